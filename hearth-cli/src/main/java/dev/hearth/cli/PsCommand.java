package dev.hearth.cli;

import dev.hearth.server.client.HearthClient;
import dev.hearth.store.HumanBytes;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code hearth ps}: the models the running server holds in memory. */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List the models loaded by the running Hearth server.")
final class PsCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Optional<HearthClient> server = main.server();
        String format = "%-30s %-14s %-10s %-8s %s%n";
        if (server.isEmpty()) {
            out.printf(format, "NAME", "ID", "SIZE", "CONTEXT", "UNTIL");
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            err.println("(no Hearth server is running at " + main.settings().host() + ": nothing is loaded)");
            err.flush();
            return 0;
        }
        // Ask first: a refused request (a missing or wrong API key) prints only the error, no table header.
        JsonNode models = server.get().get("/api/ps").path("models");
        out.printf(format, "NAME", "ID", "SIZE", "CONTEXT", "UNTIL");
        for (JsonNode m : models) {
            String digest = m.path("digest").asString("");
            out.printf(format, m.path("name").asString(""), digest.length() > 12 ? digest.substring(0, 12) : digest,
                    HumanBytes.format(m.path("size").asLong(0)), m.path("context_length").asString(""),
                    until(m.path("expires_at").asString("")));
        }
        out.flush();
        return 0;
    }

    static String until(String expiresAt) {
        Instant t;
        try {
            t = OffsetDateTime.parse(expiresAt).toInstant();
        } catch (RuntimeException e) {
            return expiresAt;
        }
        Duration d = Duration.between(Instant.now(), t);
        if (d.toDays() > 365) {
            return "Forever";
        }
        if (d.isNegative() || d.isZero()) {
            return "Stopping...";
        }
        if (d.toMinutes() >= 1) {
            return d.toMinutes() + (d.toMinutes() == 1 ? " minute" : " minutes") + " from now";
        }
        return Math.max(1, d.toSeconds()) + " seconds from now";
    }
}
