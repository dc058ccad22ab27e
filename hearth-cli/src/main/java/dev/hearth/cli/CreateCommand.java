package dev.hearth.cli;

import dev.hearth.store.modelfile.Modelfile;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth create NAME -f Modelfile}: builds a model from a GGUF file or an installed model. */
@Command(
        name = "create",
        mixinStandardHelpOptions = true,
        description = {
            "Create a model from a Modelfile: FROM a .gguf file or an installed model, with PARAMETER,",
            "TEMPLATE, SYSTEM, MESSAGE and LICENSE lines.",
        })
final class CreateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the new model.")
    String name;

    @Option(names = {"-f", "--file"}, paramLabel = "MODELFILE", description = "Modelfile to read (default: ./Modelfile).")
    Path file = Path.of("Modelfile");

    @Option(names = {"-q", "--quantize"}, paramLabel = "TYPE", description = "Quantize the weights, e.g. Q4_K_M.")
    String quantize;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such Modelfile");
        }
        if (Files.size(file) > 4L * Modelfile.MAX_CHARS) {
            throw new IllegalArgumentException(file + " is too large to be a Modelfile");
        }
        Modelfile modelfile = Modelfile.parse(Files.readString(file, StandardCharsets.UTF_8));
        Path base = file.toAbsolutePath().getParent();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProgressBars bars = new ProgressBars(out, err, ProgressBars.stdoutIsTerminal());
        try {
            main.library(err).create(name, modelfile, base, quantize, bars);
        } finally {
            bars.finish();
        }
        return 0;
    }
}
