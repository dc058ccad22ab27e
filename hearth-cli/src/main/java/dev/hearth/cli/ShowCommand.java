package dev.hearth.cli;

import dev.hearth.store.library.ModelDetails;
import dev.hearth.store.library.ModelFacts;
import dev.hearth.store.modelfile.ChatMessage;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth show NAME}: what a model is, what it can do, what it needs, and how it is configured. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show information about an installed model.")
final class ShowCommand implements Callable<Integer> {

    /** Long texts (templates, licenses) show this many lines unless asked for in full. */
    static final int PREVIEW_LINES = 8;

    @Parameters(index = "0", paramLabel = "NAME", description = "Installed model.")
    String name;

    @ArgGroup(exclusive = true)
    Only only;

    static final class Only {
        @Option(names = "--modelfile", description = "Print a Modelfile that recreates the model.")
        boolean modelfile;

        @Option(names = "--template", description = "Print the full prompt template.")
        boolean template;

        @Option(names = "--system", description = "Print the system prompt.")
        boolean system;

        @Option(names = "--parameters", description = "Print the parameters.")
        boolean parameters;

        @Option(names = "--license", description = "Print the full license.")
        boolean license;
    }

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ModelDetails d = main.library(spec.commandLine().getErr()).show(name);
        if (only != null) {
            if (only.modelfile) {
                out.print(d.modelfile());
            } else if (only.template) {
                printIfPresent(out, d.template());
            } else if (only.system) {
                printIfPresent(out, d.system());
            } else if (only.parameters) {
                for (Map.Entry<String, Object> e : d.parameters().entrySet()) {
                    for (Object v : values(e.getValue())) {
                        out.println(pad(e.getKey(), 30) + v);
                    }
                }
            } else if (only.license) {
                out.println(String.join("\n\n", d.licenses()));
            }
            out.flush();
            return 0;
        }
        ModelFacts f = d.facts();
        section(out, "Model");
        row(out, "architecture", f.architecture());
        row(out, "parameters", f.parameterSize());
        row(out, "context length", f.contextLength() > 0 ? Long.toString(f.contextLength()) : "unknown");
        row(out, "embedding length", f.embeddingLength() > 0 ? Long.toString(f.embeddingLength()) : "unknown");
        row(out, "quantization", f.quantization());

        section(out, "Capabilities");
        for (String c : d.capabilities()) {
            out.println("    " + c);
        }

        section(out, "Memory");
        row(out, "needs", d.memory().describe());
        if (d.machineMemory() > 0) {
            row(out, "this machine", dev.hearth.store.HumanBytes.format(d.machineMemory()) + " of RAM: " + d.fit().words());
        }

        if (!d.parameters().isEmpty()) {
            section(out, "Parameters");
            for (Map.Entry<String, Object> e : d.parameters().entrySet()) {
                for (Object v : values(e.getValue())) {
                    row(out, e.getKey(), v instanceof String s ? quoteForDisplay(s) : String.valueOf(v));
                }
            }
        }
        if (d.system() != null) {
            section(out, "System");
            preview(out, d.system(), "--system");
        }
        if (d.template() != null) {
            section(out, "Template");
            preview(out, d.template(), "--template");
        }
        if (!d.messages().isEmpty()) {
            section(out, "Messages");
            for (ChatMessage m : d.messages()) {
                row(out, m.role(), oneLine(m.content()));
            }
        }
        if (!d.licenses().isEmpty()) {
            section(out, "License");
            preview(out, String.join("\n\n", d.licenses()), "--license");
        }
        out.println();
        out.flush();
        return 0;
    }

    private static void printIfPresent(PrintWriter out, String text) {
        if (text != null) {
            out.println(text);
        }
    }

    private static List<?> values(Object v) {
        return v instanceof List<?> l ? l : List.of(v);
    }

    private static void section(PrintWriter out, String title) {
        out.println();
        out.println("  " + title);
    }

    private static void row(PrintWriter out, String key, String value) {
        out.println("    " + pad(key, 20) + value);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + "  " : s + " ".repeat(width - s.length());
    }

    private static void preview(PrintWriter out, String text, String option) {
        List<String> lines = text.strip().lines().toList();
        for (int i = 0; i < Math.min(PREVIEW_LINES, lines.size()); i++) {
            out.println("    " + lines.get(i));
        }
        if (lines.size() > PREVIEW_LINES) {
            out.println("    ... (" + (lines.size() - PREVIEW_LINES) + " more lines; see " + option + ")");
        }
    }

    private static String quoteForDisplay(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }

    private static String oneLine(String s) {
        String t = s.replace("\n", " ");
        return t.length() > 100 ? t.substring(0, 100) + "..." : t;
    }
}
