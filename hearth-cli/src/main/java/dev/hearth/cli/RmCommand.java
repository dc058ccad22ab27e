package dev.hearth.cli;

import dev.hearth.store.library.ModelLibrary;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth rm NAME...}: removes models; blobs go when no other model uses them. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Remove models. Their files are deleted unless another model shares them.")
final class RmCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Models to remove.")
    List<String> names;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ModelLibrary library = main.library(spec.commandLine().getErr());
        for (String name : names) {
            library.delete(name);
            out.println("deleted '" + name + "'");
            out.flush();
        }
        return 0;
    }
}
