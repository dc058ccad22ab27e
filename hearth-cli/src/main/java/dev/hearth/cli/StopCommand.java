package dev.hearth.cli;

import dev.hearth.server.api.Json;
import dev.hearth.server.client.HearthClient;
import dev.hearth.store.ModelName;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code hearth stop NAME}: unloads a model from the running server. */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Unload a model from the running Hearth server.")
final class StopCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Loaded model.")
    String name;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelName wanted = ModelName.parse(name);
        Optional<HearthClient> server = main.server();
        if (server.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("(no Hearth server is running at " + main.settings().host() + ": nothing to stop)");
            err.flush();
            return 0;
        }
        boolean loaded = false;
        for (JsonNode m : server.get().get("/api/ps").path("models")) {
            loaded |= ModelName.parse(m.path("name").asString("")).equalsIgnoreCase(wanted);
        }
        if (!loaded) {
            throw new IllegalArgumentException("model '" + wanted.displayShortest() + "' is not loaded (see hearth ps)");
        }
        server.get().post("/api/generate", Json.object().put("model", name).put("keep_alive", 0));
        return 0;
    }
}
