package dev.hearth.cli;

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
            TemplateCommand.class,
            TokenizeCommand.class,
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit status (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Prints a failure as one line ("hearth: ...") and exits 1, instead of a stack trace. */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            cmd.getErr().println("hearth: " + message);
            if (System.getenv("HEARTH_DEBUG") != null) {
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
