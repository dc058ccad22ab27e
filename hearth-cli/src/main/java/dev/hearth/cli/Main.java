package dev.hearth.cli;

import dev.hearth.config.HearthSettings;
import dev.hearth.store.library.LocalModelLibrary;
import dev.hearth.store.library.ModelLibrary;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
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
            InspectCommand.class,
            PullCommand.class,
            ListCommand.class,
            ShowCommand.class,
            RmCommand.class,
            CpCommand.class,
            CreateCommand.class,
            DoctorCommand.class,
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
     * The model library commands work on: this machine's store. (When a Hearth server runs, a library that
     * talks to it over HTTP slots in here.) Warnings go to {@code err}.
     */
    ModelLibrary library(PrintWriter err) {
        return LocalModelLibrary.open(settings, w -> err.println("hearth: warning: " + w));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Prints a failure as one line ("hearth: ...") and exits 1, instead of a stack trace. */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
            String message = switch (e) {
                case NoSuchFileException n -> n.getFile() + ": " + (n.getReason() == null ? "no such file" : n.getReason());
                case AccessDeniedException a -> a.getFile() + ": permission denied";
                default -> e.getMessage() == null ? e.toString() : e.getMessage();
            };
            cmd.getErr().println("hearth: " + message);
            if (System.getenv(HearthSettings.DEBUG) != null) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"hearth " + (v == null ? "dev" : v)};
        }
    }
}
