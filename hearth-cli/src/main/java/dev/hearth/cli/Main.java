package dev.hearth.cli;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.client.HearthClient;
import dev.hearth.server.client.RemoteModelLibrary;
import dev.hearth.store.library.LocalModelLibrary;
import dev.hearth.store.library.ModelLibrary;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code hearth} command. Each subcommand lives in its own class. */
@Command(
        name = "hearth",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Local AI: run open models on this machine.",
        subcommands = {
            CommandLine.HelpCommand.class,
            GenerateCommand.class,
            RunCommand.class,
            BenchCommand.class,
            InspectCommand.class,
            QuantizeCommand.class,
            TemplateCommand.class,
            ServeCommand.class,
            TokenizeCommand.class,
            PullCommand.class,
            ListCommand.class,
            ShowCommand.class,
            RmCommand.class,
            CpCommand.class,
            CreateCommand.class,
            DoctorCommand.class,
            PsCommand.class,
            StopCommand.class,
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit status (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return run(HearthSettings.fromEnvironment(), args);
    }

    /** Runs the CLI with the given settings instead of the process environment (tests). */
    public static int run(HearthSettings settings, String... args) {
        CommandLine cli = new CommandLine(new Main(settings));
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli.execute(args);
    }

    private final HearthSettings settings;
    private Optional<HearthClient> server;

    Main(HearthSettings settings) {
        this.settings = settings;
    }

    Main() {
        this(HearthSettings.fromEnvironment());
    }

    /** The {@code HEARTH_*} settings commands run with. */
    HearthSettings settings() {
        return settings;
    }

    /**
     * The model library commands work on: the running Hearth server's, over its API, when one answers on
     * {@code HEARTH_HOST}; else this machine's store directly. Warnings go to {@code err}.
     */
    ModelLibrary library(PrintWriter err) {
        return server().<ModelLibrary>map(c -> new RemoteModelLibrary(c, settings.contextLength()))
                .orElseGet(() -> LocalModelLibrary.open(settings, w -> err.println("hearth: warning: " + w)));
    }

    /**
     * A client for the running server, if one answers on {@code HEARTH_HOST}. When {@code HEARTH_MODELS} is set
     * and {@code HEARTH_HOST} is not, the user pointed the CLI at a store, not at a server: no server is used.
     */
    Optional<HearthClient> server() {
        if (settings.raw(HearthSettings.MODELS).isPresent() && settings.raw(HearthSettings.HOST).isEmpty()) {
            return Optional.empty();
        }
        if (server == null) {
            server = HearthClient.ifRunning(settings);
        }
        return server;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Prints a failure as one line ("hearth: ...") and exits 1, instead of a stack trace. */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
            cmd.getErr().println("hearth: " + describe(e));
            if (System.getenv(HearthSettings.DEBUG) != null) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        }
    }

    /** A one-line description of a failure for the user. */
    static String describe(Throwable e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such file: " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
            case java.io.UncheckedIOException u -> describe(u.getCause());
            case OutOfMemoryError o -> "out of memory (" + o.getMessage() + "); try a smaller model or context";
            default -> e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        };
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"hearth " + (v == null ? "dev" : v)};
        }
    }
}
