package dev.hearth.cli;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.HearthServer;
import dev.hearth.server.ServerConfig;
import dev.hearth.server.client.HearthClient;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.library.LocalModelLibrary;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where a chatting command sends its requests: the server on {@code HEARTH_HOST} when one is running,
 * otherwise the same server started privately in this process on a free loopback port for the length of
 * the command. Either way the CLI speaks the HTTP API every app speaks, through {@link HearthClient}.
 */
final class ServerConnection implements AutoCloseable {
    private final HearthClient client;
    private final HearthServer embedded;

    private ServerConnection(HearthClient client, HearthServer embedded) {
        this.client = client;
        this.embedded = embedded;
    }

    static ServerConnection open(Main main, PrintWriter err) throws IOException {
        Optional<HearthClient> running = main.server();
        if (running.isPresent()) {
            return new ServerConnection(running.get(), null);
        }
        HearthSettings settings = main.settings();
        PrintStream log = settings.debug() ? System.err : new PrintStream(OutputStream.nullOutputStream());
        HearthServer server = HearthServer.start(ServerConfig.ephemeralLoopback(), SchedulerConfig.from(settings),
                new ModelCatalog(LocalModelLibrary.open(settings, w -> err.println("hearth: warning: " + w))), log);
        return new ServerConnection(new HearthClient(URI.create(server.baseUrl()), Optional.empty()), server);
    }

    HearthClient client() {
        return client;
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.stop(Duration.ofSeconds(2));
        }
    }
}
