package dev.hearth.cli;

import dev.hearth.store.HumanBytes;
import dev.hearth.store.hardware.Fit;
import dev.hearth.store.library.ModelDetails;
import dev.hearth.store.library.ModelLibrary;
import dev.hearth.store.library.ModelSummary;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth pull NAME}: downloads a model from an Ollama-compatible registry. */
@Command(
        name = "pull",
        mixinStandardHelpOptions = true,
        description = {
            "Download a model from a registry: the Ollama library (llama3.2, qwen3:8b), any",
            "Ollama-compatible registry (host/namespace/model:tag), or Hugging Face (hf.co/USER/REPO:QUANT).",
            "An interrupted pull resumes where it stopped when run again.",
        })
final class PullCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Model to pull, [host/][namespace/]model[:tag].")
    String name;

    @Option(names = "--insecure", description = "Allow a registry over plain HTTP (local test registries).")
    boolean insecure;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ModelLibrary library = main.library(err);
        ProgressBars bars = new ProgressBars(out, err, ProgressBars.stdoutIsTerminal());
        ModelSummary pulled;
        try {
            pulled = library.pull(name, insecure, bars);
        } finally {
            bars.finish();
        }
        ModelDetails details = library.show(pulled.fullName());
        MemoryReport.print(out, err, details);
        return 0;
    }

    /** The memory lines pull and show print. */
    static final class MemoryReport {
        private MemoryReport() {}

        static void print(PrintWriter out, PrintWriter err, ModelDetails d) {
            out.println("memory: " + d.summary().name() + " needs about " + d.memory().describe());
            if (d.machineMemory() > 0) {
                out.println("        this machine has " + HumanBytes.format(d.machineMemory()) + " of RAM: "
                        + d.fit().words());
            }
            out.flush();
            if (d.fit() == Fit.TOO_LARGE) {
                err.println("hearth: warning: " + d.summary().name() + " will not fit in this machine's memory; it"
                        + " would swap heavily or fail to load (try a smaller model or quantization, or a shorter"
                        + " context with PARAMETER num_ctx)");
                err.flush();
            }
        }
    }
}
