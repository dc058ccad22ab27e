package dev.hearth.cli;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.HearthServer;
import dev.hearth.server.ServerConfig;
import dev.hearth.server.api.Json;
import dev.hearth.server.client.HearthClient;
import dev.hearth.server.client.HearthClientException;
import dev.hearth.server.client.RemoteModelLibrary;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.library.LocalModelLibrary;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code hearth run NAME [PROMPT]}: chat with a model, pulling it first if needed. With a prompt (or text on
 * standard input) it answers once; otherwise it holds a conversation line by line. It uses the running server
 * when there is one, and otherwise runs the same server in this process for the duration of the command, so
 * both paths behave the same.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Chat with a model (pulled first if it is not installed).",
            "With PROMPT, or text piped on standard input, answers once; otherwise starts a conversation",
            "(/bye to leave, /clear to forget it, \"\"\" to start and end a multi-line message)."})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Model to run.")
    String name;

    @Parameters(index = "1..*", paramLabel = "PROMPT", arity = "0..*", description = "Prompt (answers once and exits).")
    List<String> prompt;

    @Option(names = "--verbose", description = "Print timings and token rates after each answer.")
    boolean verbose;

    @Option(names = "--keepalive", paramLabel = "DURATION", description = "How long the model stays loaded afterwards (e.g. 5m, 0).")
    String keepAlive;

    @Option(names = "--insecure", description = "Allow pulling over plain HTTP.")
    boolean insecure;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HearthSettings settings = main.settings();
        Optional<HearthClient> running = main.server();
        HearthServer embedded = null;
        HearthClient client;
        if (running.isPresent()) {
            client = running.get();
        } else {
            embedded = HearthServer.start(ServerConfig.ephemeralLoopback(), SchedulerConfig.from(settings),
                    new ModelCatalog(LocalModelLibrary.open(settings, w -> err.println("hearth: warning: " + w))), null);
            client = new HearthClient(URI.create(embedded.baseUrl()), Optional.empty());
        }
        try {
            ensureInstalled(client, out, err, settings);
            String once = prompt != null && !prompt.isEmpty() ? String.join(" ", prompt) : null;
            if (once == null && System.console() == null) {
                once = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
                if (once.isEmpty()) {
                    throw new IllegalArgumentException("no prompt: pass one after the model name, pipe it in, or run in a terminal");
                }
            }
            ArrayNode history = Json.array();
            if (once != null) {
                history.addObject().put("role", "user").put("content", once);
                answer(client, history, out, err);
                return 0;
            }
            converse(client, history, out, err);
            return 0;
        } finally {
            if (embedded != null) {
                embedded.stop(Duration.ZERO);
            }
        }
    }

    private void ensureInstalled(HearthClient client, PrintWriter out, PrintWriter err, HearthSettings settings)
            throws Exception {
        try {
            client.post("/api/show", Json.object().put("model", name));
        } catch (HearthClientException e) {
            if (e.status() != 404) {
                throw e;
            }
            ProgressBars bars = new ProgressBars(out, err, ProgressBars.stdoutIsTerminal());
            try {
                new RemoteModelLibrary(client, settings.contextLength()).pull(name, insecure, bars);
            } finally {
                bars.finish();
            }
        }
        // Load now, so the first answer's time is the answer's, and load errors come before any prompt.
        ObjectNode load = Json.object().put("model", name);
        if (keepAlive != null) {
            load.put("keep_alive", keepAlive);
        }
        client.post("/api/generate", load);
    }

    private void converse(HearthClient client, ArrayNode history, PrintWriter out, PrintWriter err) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            out.print(">>> ");
            out.flush();
            String line = in.readLine();
            if (line == null) {
                out.println();
                return;
            }
            String text = line.strip();
            if (text.startsWith("\"\"\"")) {
                StringBuilder b = new StringBuilder(text.substring(3));
                while (!b.toString().endsWith("\"\"\"")) {
                    out.print("... ");
                    out.flush();
                    String more = in.readLine();
                    if (more == null) {
                        break;
                    }
                    b.append('\n').append(more);
                }
                String s = b.toString();
                text = (s.endsWith("\"\"\"") ? s.substring(0, s.length() - 3) : s).strip();
            } else {
                switch (text.toLowerCase(Locale.ROOT)) {
                    case "/bye", "/exit" -> {
                        return;
                    }
                    case "/clear" -> {
                        history.removeAll();
                        out.println("Cleared the conversation.");
                        continue;
                    }
                    case "/?", "/help" -> {
                        out.println("/bye     leave\n/clear   forget the conversation\n\"\"\"      begin or end a multi-line message");
                        continue;
                    }
                    default -> {
                        if (text.isEmpty()) {
                            continue;
                        }
                        if (text.startsWith("/")) {
                            out.println("Unknown command '" + text + "'. Type /? for help.");
                            continue;
                        }
                    }
                }
            }
            history.addObject().put("role", "user").put("content", text);
            String reply = answer(client, history, out, err);
            history.addObject().put("role", "assistant").put("content", reply);
            out.println();
        }
    }

    /** Streams one answer to {@code out} and returns its text. */
    private String answer(HearthClient client, ArrayNode history, PrintWriter out, PrintWriter err) throws Exception {
        ObjectNode req = Json.object().put("model", name);
        req.set("messages", history.deepCopy());
        if (keepAlive != null) {
            req.put("keep_alive", keepAlive);
        }
        StringBuilder text = new StringBuilder();
        JsonNode last = client.stream("/api/chat", req, line -> {
            String piece = line.path("message").path("content").asString("");
            text.append(piece);
            out.print(piece);
            out.flush();
        });
        out.println();
        out.flush();
        if (verbose) {
            stats(err, last);
        }
        return text.toString();
    }

    private static void stats(PrintWriter err, JsonNode s) {
        long promptCount = s.path("prompt_eval_count").asLong();
        long promptNanos = s.path("prompt_eval_duration").asLong();
        long evalCount = s.path("eval_count").asLong();
        long evalNanos = s.path("eval_duration").asLong();
        err.printf(Locale.ROOT, "total duration:       %s%n", seconds(s.path("total_duration").asLong()));
        err.printf(Locale.ROOT, "load duration:        %s%n", seconds(s.path("load_duration").asLong()));
        err.printf(Locale.ROOT, "prompt eval count:    %d token(s)%n", promptCount);
        err.printf(Locale.ROOT, "prompt eval duration: %s%n", seconds(promptNanos));
        err.printf(Locale.ROOT, "prompt eval rate:     %.2f tokens/s%n", promptNanos > 0 ? promptCount * 1e9 / promptNanos : 0);
        err.printf(Locale.ROOT, "eval count:           %d token(s)%n", evalCount);
        err.printf(Locale.ROOT, "eval duration:        %s%n", seconds(evalNanos));
        err.printf(Locale.ROOT, "eval rate:            %.2f tokens/s%n", evalNanos > 0 ? evalCount * 1e9 / evalNanos : 0);
        err.flush();
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }
}
