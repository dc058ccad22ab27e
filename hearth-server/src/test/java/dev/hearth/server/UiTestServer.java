package dev.hearth.server;

import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import java.io.IOException;

/** Starts the server the web page's tests talk to: the CI-sized scheduler of {@link TestServers}. */
final class UiTestServer {
    private UiTestServer() {}

    static HearthServer start(ServerConfig config, ModelCatalog catalog) throws IOException {
        return HearthServer.start(config, TestServers.schedulerConfig(), catalog, null);
    }

    static HearthServer start(ServerConfig config, SchedulerConfig scheduler, ModelCatalog catalog) throws IOException {
        return HearthServer.start(config, scheduler, catalog, null);
    }
}
