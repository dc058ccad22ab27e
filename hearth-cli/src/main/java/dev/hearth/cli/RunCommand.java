package dev.hearth.cli;

import dev.hearth.cli.chat.ChatSession;
import dev.hearth.config.HearthSettings;
import dev.hearth.server.api.Json;
import dev.hearth.server.client.HearthClient;
import dev.hearth.server.client.HearthClientException;
import dev.hearth.server.client.RemoteModelLibrary;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code hearth run MODEL [PROMPT]}: chat with a model in the terminal, or answer one prompt and exit.
 * Talks to the server through the same HTTP API as any app (a private in-process server when none runs).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Chat with a model in the terminal; with a prompt (or piped input), answer once and exit.",
            "In the chat, type /? for commands; \"\"\" starts and ends multi-line input; Ctrl+C stops an answer; Ctrl+D exits."})
public final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "model name (pulled first when it is not installed)")
    String model;

    @Parameters(index = "1..*", paramLabel = "PROMPT", description = "answer this and exit")
    List<String> prompt = new ArrayList<>();

    @Option(names = "--verbose", description = "print prompt and generation rates after each answer")
    boolean verbose;

    @Option(names = "--keepalive", paramLabel = "DURATION", description = "how long the model stays loaded afterwards (e.g. 5m, 0)")
    String keepAlive;

    @Option(names = "--insecure", description = "allow pulling over plain HTTP")
    boolean insecure;

    @picocli.CommandLine.ParentCommand
    Main main;

    /** Options {@code /set parameter} accepts, with Ollama's names. */
    static final Set<String> PARAMETERS = Set.of("num_ctx", "num_predict", "temperature", "top_k", "top_p", "min_p",
            "repeat_penalty", "repeat_last_n", "presence_penalty", "frequency_penalty", "seed", "stop", "num_thread");

    @Override
    public Integer call() throws Exception {
        HearthSettings settings = main.settings();
        boolean interactiveInput = System.console() != null && System.console().isTerminal();
        String oneShot = null;
        if (!interactiveInput) {
            String piped = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> parts = new ArrayList<>();
            if (!piped.isBlank()) {
                parts.add(piped);
            }
            parts.addAll(prompt);
            oneShot = String.join(" ", parts);
        } else if (!prompt.isEmpty()) {
            oneShot = String.join(" ", prompt);
        }
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        try (ServerConnection connection = ServerConnection.open(main, err)) {
            ensureInstalled(connection.client(), settings, err);
            ChatSession session = new ChatSession(connection.client(), model);
            session.keepAlive(keepAlive);
            session.load();
            PrintStream out = System.out;
            if (oneShot != null) {
                if (oneShot.isBlank()) {
                    throw new IllegalArgumentException("nothing to answer: the prompt is empty");
                }
                ChatSession.Answer a = session.ask(oneShot, piece -> {
                    out.print(piece);
                    out.flush();
                });
                out.println();
                printStats(a, System.err);
                return 0;
            }
            return interactive(session, settings);
        }
    }

    /** Pulls the model when the server does not have it, with progress bars like {@code hearth pull}. */
    private void ensureInstalled(HearthClient client, HearthSettings settings, PrintWriter err) throws IOException {
        try {
            client.post("/api/show", Json.object().put("model", model));
        } catch (HearthClientException e) {
            if (e.status() != 404) {
                throw e;
            }
            PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
            ProgressBars bars = new ProgressBars(out, err, ProgressBars.stdoutIsTerminal());
            try {
                new RemoteModelLibrary(client, settings.contextLength()).pull(model, insecure, bars);
            } finally {
                bars.finish();
            }
        }
    }

    private int interactive(ChatSession session, HearthSettings settings) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            // In HEARTH_HOME, not beside the models: HEARTH_MODELS may be an Ollama store that Hearth only reads.
            Path history = settings.hearthHome().resolve("history");
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("hearth")
                    .variable(LineReader.HISTORY_FILE, history)
                    .variable(LineReader.SECONDARY_PROMPT_PATTERN, "... ")
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                    .build();
            PrintWriter out = terminal.writer();
            terminal.handle(Terminal.Signal.INT, signal -> session.interrupt());
            out.println("Chatting with " + session.model() + ". Type /? for help, /bye or Ctrl+D to leave.");
            out.flush();
            while (true) {
                String line;
                try {
                    line = reader.readLine(">>> ");
                } catch (UserInterruptException e) {
                    out.println("Use Ctrl + d or /bye to exit.");
                    out.flush();
                    continue;
                } catch (EndOfFileException e) {
                    out.println();
                    out.flush();
                    return 0;
                }
                if (line.strip().startsWith("\"\"\"")) {
                    String text = readMultiline(reader, line.strip().substring(3), out);
                    if (text == null) {
                        continue;
                    }
                    line = text;
                } else if (line.strip().startsWith("/")) {
                    java.util.regex.Matcher system = MULTILINE_SYSTEM.matcher(line.strip());
                    if (system.matches()) { // /set system """ ... """ over several lines
                        String text = readMultiline(reader, system.group(1), out);
                        if (text != null) {
                            session.system(text);
                            out.println("Set the system message.");
                            out.flush();
                        }
                        continue;
                    }
                    if (!command(line.strip(), session, out)) {
                        return 0;
                    }
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    ChatSession.Answer a = session.ask(line, piece -> {
                        out.print(piece);
                        out.flush();
                    });
                    out.println();
                    if (a.interrupted()) {
                        out.println("(stopped)");
                    } else if (a.droppedMessages() > 0) {
                        out.println("(the conversation outgrew the context: the " + a.droppedMessages()
                                + " oldest messages were dropped)");
                    }
                    out.flush();
                    printStats(a, new PrintStream(terminal.output(), true, StandardCharsets.UTF_8));
                } catch (IOException | RuntimeException e) {
                    out.println();
                    out.println("Error: " + Main.describe(e));
                    out.flush();
                }
            }
        }
    }

    /** {@code /set system """...}: a system message over several lines. */
    private static final java.util.regex.Pattern MULTILINE_SYSTEM = java.util.regex.Pattern.compile(
            "/set\\s+system\\s+\"\"\"(.*)", java.util.regex.Pattern.DOTALL);

    /**
     * Reads lines until one ends with {@code """}; null when interrupted. The text is the lines in between:
     * a {@code """} alone on the first or the last line adds no empty line.
     */
    private static String readMultiline(LineReader reader, String first, PrintWriter out) {
        StringBuilder text = new StringBuilder();
        String current = first;
        boolean firstLine = true;
        while (true) {
            if (current.endsWith("\"\"\"")) {
                text.append(current, 0, current.length() - 3);
                if (current.length() == 3 && !text.isEmpty()) {
                    text.setLength(text.length() - 1); // the newline before a closing """ alone on its line
                }
                return text.toString();
            }
            if (!(firstLine && current.isEmpty())) { // an opening """ alone on its line
                text.append(current).append('\n');
            }
            firstLine = false;
            try {
                current = reader.readLine("... ");
            } catch (UserInterruptException | EndOfFileException e) {
                out.println();
                return null;
            }
        }
    }

    /** Runs a slash command; returns false to leave the chat. */
    boolean command(String line, ChatSession session, PrintWriter out) {
        String[] words = line.split("\\s+", 4);
        try {
            switch (words[0]) {
                case "/bye", "/exit" -> {
                    return false;
                }
                case "/?", "/help" -> out.println(HELP);
                case "/clear" -> {
                    session.clear();
                    out.println("Cleared the conversation.");
                }
                case "/set" -> set(words, line, session, out);
                case "/show" -> show(words.length > 1 ? words[1] : "", session, out);
                case "/save" -> {
                    if (words.length < 2) {
                        out.println("Usage: /save NAME");
                    } else {
                        session.save(words[1]);
                        out.println("Saved the session as '" + words[1] + "'.");
                    }
                }
                case "/load" -> {
                    if (words.length < 2) {
                        out.println("Usage: /load NAME");
                    } else {
                        String previous = session.model();
                        session.model(words[1]);
                        try {
                            session.load();
                        } catch (IOException | RuntimeException e) {
                            session.model(previous);
                            throw e;
                        }
                        session.clear();
                        session.system(null);
                        out.println("Loaded '" + words[1] + "'.");
                    }
                }
                default -> out.println("Unknown command '" + words[0] + "'. Type /? for help.");
            }
        } catch (IOException | RuntimeException e) {
            out.println("Error: " + Main.describe(e));
        }
        out.flush();
        return true;
    }

    private void set(String[] words, String line, ChatSession session, PrintWriter out) {
        if (words.length >= 2 && words[1].equals("system")) {
            String text = line.replaceFirst("^/set\\s+system\\s*", "");
            if (text.startsWith("\"") && text.endsWith("\"") && text.length() >= 2) {
                text = text.substring(1, text.length() - 1);
            }
            session.system(text);
            out.println("Set the system message.");
        } else if (words.length >= 4 && words[1].equals("parameter")) {
            String name = words[2];
            if (!PARAMETERS.contains(name)) {
                out.println("Unknown parameter '" + name + "'. Known: " + String.join(", ", new java.util.TreeSet<>(PARAMETERS)));
                return;
            }
            Object value = parseValue(name, words[3].strip());
            if (name.equals("stop")) {
                @SuppressWarnings("unchecked")
                List<String> stops = (List<String>) session.options().computeIfAbsent("stop", k -> new ArrayList<String>());
                stops.add(words[3].strip());
            } else {
                session.options().put(name, value);
            }
            out.println("Set parameter '" + name + "' to '" + words[3].strip() + "'.");
        } else if (words.length >= 2 && (words[1].equals("verbose") || words[1].equals("quiet"))) {
            verbose = words[1].equals("verbose");
            out.println(verbose ? "Set verbose mode." : "Set quiet mode.");
        } else {
            out.println("Usage: /set parameter NAME VALUE | /set system TEXT | /set verbose | /set quiet");
        }
    }

    private static Object parseValue(String name, String text) {
        try {
            return switch (name) {
                case "num_ctx", "num_predict", "top_k", "repeat_last_n", "num_thread" -> Integer.parseInt(text);
                case "seed" -> Long.parseLong(text);
                case "stop" -> text;
                default -> Double.parseDouble(text);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a number for " + name);
        }
    }

    private static void show(String what, ChatSession session, PrintWriter out) throws IOException {
        JsonNode s = session.show();
        switch (what) {
            case "info" -> {
                JsonNode details = s.path("details");
                JsonNode info = s.path("model_info");
                String arch = info.path("general.architecture").asString(details.path("family").asString(""));
                out.println("  Model");
                row(out, "architecture", arch);
                row(out, "parameters", details.path("parameter_size").asString(""));
                row(out, "context length", info.path(arch + ".context_length").asString(""));
                row(out, "embedding length", info.path(arch + ".embedding_length").asString(""));
                row(out, "quantization", details.path("quantization_level").asString(""));
                if (s.has("capabilities")) {
                    out.println("  Capabilities");
                    s.get("capabilities").forEach(c -> out.println("    " + c.asString()));
                }
            }
            case "template" -> out.println(s.path("template").asString("(none)"));
            case "system" -> out.println(session.system() != null ? session.system() : s.path("system").asString("(none)"));
            case "parameters" -> {
                String model = s.path("parameters").asString("");
                out.println("Model defined parameters:");
                out.println(model.isBlank() ? "  (none)" : model.strip().replaceAll("(?m)^", "  "));
                if (!session.options().isEmpty()) {
                    out.println("User defined parameters:");
                    for (Map.Entry<String, Object> e : session.options().entrySet()) {
                        out.println(String.format(Locale.ROOT, "  %-28s %s", e.getKey(), e.getValue()));
                    }
                }
            }
            case "modelfile" -> out.println(s.path("modelfile").asString(""));
            case "license" -> out.println(s.path("license").asString("(none)"));
            default -> out.println("Usage: /show info | template | system | parameters | modelfile | license");
        }
    }

    private static void row(PrintWriter out, String name, String value) {
        out.println(String.format(Locale.ROOT, "    %-20s %s", name, value));
    }

    private void printStats(ChatSession.Answer a, PrintStream err) {
        if (!verbose || a.stats() == null) {
            return;
        }
        JsonNode s = a.stats();
        double promptSeconds = s.path("prompt_eval_duration").asLong(0) / 1e9;
        double evalSeconds = s.path("eval_duration").asLong(0) / 1e9;
        long promptCount = s.path("prompt_eval_count").asLong(0);
        long evalCount = s.path("eval_count").asLong(0);
        err.printf(Locale.ROOT, "total duration:       %.3fs%n", s.path("total_duration").asLong(0) / 1e9);
        err.printf(Locale.ROOT, "load duration:        %.3fs%n", s.path("load_duration").asLong(0) / 1e9);
        err.printf(Locale.ROOT, "prompt eval count:    %d token(s)%n", promptCount);
        err.printf(Locale.ROOT, "prompt eval rate:     %.2f tokens/s%n", promptSeconds > 0 ? promptCount / promptSeconds : 0);
        err.printf(Locale.ROOT, "eval count:           %d token(s)%n", evalCount);
        err.printf(Locale.ROOT, "eval rate:            %.2f tokens/s%n", evalSeconds > 0 ? evalCount / evalSeconds : 0);
    }

    static final String HELP = """
            Available commands:
              /set parameter NAME VALUE   set a parameter (temperature, num_ctx, top_k, top_p, min_p, seed, stop, ...)
              /set system TEXT            set the system message
              /set verbose | quiet        show or hide rates after each answer
              /show info                  model details
              /show template | system | parameters | modelfile | license
              /clear                      forget the conversation
              /save NAME                  save this session (model, system, parameters, messages) as a new model
              /load NAME                  switch to another model
              /bye                        leave
              /?                          this help
            Use \"\"\" to begin and end a multi-line message. Ctrl+C stops an answer; Ctrl+D leaves.""";

}
