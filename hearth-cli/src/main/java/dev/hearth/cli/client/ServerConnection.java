package dev.hearth.cli.client;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.HearthServer;
import dev.hearth.server.ServerConfig;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.ModelStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the CLI sends its requests: the server on {@code HEARTH_HOST} when one is running, otherwise a
 * private server started in this process on a free loopback port for the duration of the command. Either
 * way the CLI speaks the same HTTP API as any app, through {@link HearthClient}.
 */
public final class ServerConnection implements AutoCloseable {
    private final HearthClient client;
    private final HearthServer embedded;

    private ServerConnection(HearthClient client, HearthServer embedded) {
        this.client = client;
        this.embedded = embedded;
    }

    public static ServerConnection open(HearthSettings settings) throws IOException {
        URI host = settings.host();
        Optional<HearthClient> running = HearthClient.probe(host, settings.apiKey().orElse(null), Duration.ofMillis(700));
        if (running.isPresent()) {
            return new ServerConnection(running.get(), null);
        }
        HearthSettings local = settings.with(HearthSettings.HOST, "127.0.0.1:0");
        ServerConfig config = ServerConfig.from(local);
        PrintStream log = settings.debug() ? System.err : new PrintStream(OutputStream.nullOutputStream());
        HearthServer server = HearthServer.start(config, SchedulerConfig.from(local),
                new ModelCatalog(new ModelStore(local.models())), log);
        return new ServerConnection(new HearthClient(URI.create(server.baseUrl()), settings.apiKey().orElse(null)), server);
    }

    public HearthClient client() {
        return client;
    }

    /** Whether this process started the server (it stops with the command). */
    public boolean embedded() {
        return embedded != null;
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.stop(Duration.ofSeconds(2));
        }
    }
}
