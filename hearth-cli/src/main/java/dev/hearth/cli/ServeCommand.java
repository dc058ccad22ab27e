package dev.hearth.cli;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.HearthServer;
import dev.hearth.server.ServerConfig;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.library.LocalModelLibrary;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** {@code hearth serve}: the Ollama and OpenAI APIs on {@code HEARTH_HOST}, until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Start the Hearth server: the Ollama API (/api/...), the OpenAI API (/v1/...) and a chat page",
            "for the browser (/ui/).",
            "Settings come from HEARTH_* environment variables: HEARTH_HOST (default 127.0.0.1:11434), HEARTH_HOME,",
            "HEARTH_MODELS, HEARTH_CONVERSATIONS, HEARTH_KEEP_ALIVE, HEARTH_MAX_LOADED_MODELS, HEARTH_NUM_PARALLEL,",
            "HEARTH_MAX_QUEUE, HEARTH_ORIGINS, HEARTH_API_KEY, HEARTH_NUM_THREADS, HEARTH_CONTEXT_LENGTH."})
public final class ServeCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        HearthSettings settings = HearthSettings.fromEnvironment();
        ServerConfig config = ServerConfig.from(settings);
        PrintStream log = System.err;
        HearthServer server;
        try {
            server = HearthServer.start(config, SchedulerConfig.from(settings),
                    new ModelCatalog(LocalModelLibrary.open(settings, w -> log.println("[hearth] warning: " + w))), log);
        } catch (BindException e) {
            throw new IOException("cannot listen on " + config.bind().getHostString() + ":" + config.bind().getPort()
                    + ": " + e.getMessage() + " (is another server running there? set HEARTH_HOST to use another address)", e);
        }
        log.println("[hearth] Hearth " + HearthServer.VERSION + " listening on " + server.baseUrl() + " (models in "
                + settings.models() + ")");
        log.println("[hearth] chat in your browser at " + server.baseUrl() + "/ui/");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.println("[hearth] shutting down");
            server.stop(Duration.ofSeconds(5));
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
