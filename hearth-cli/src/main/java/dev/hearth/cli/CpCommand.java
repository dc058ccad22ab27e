package dev.hearth.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth cp SRC DST}: installs a model under a second name, sharing its files. */
@Command(name = "cp", mixinStandardHelpOptions = true, description = "Copy a model to a new name (no data is duplicated).")
final class CpCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SOURCE", description = "Installed model.")
    String source;

    @Parameters(index = "1", paramLabel = "DESTINATION", description = "New name.")
    String destination;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        main.library(spec.commandLine().getErr()).copy(source, destination);
        PrintWriter out = spec.commandLine().getOut();
        out.println("copied '" + source + "' to '" + destination + "'");
        out.flush();
        return 0;
    }
}
