package dev.hearth.cli;

import dev.hearth.config.HearthSettings;
import dev.hearth.store.HumanBytes;
import dev.hearth.store.hardware.Fit;
import dev.hearth.store.hardware.Hardware;
import dev.hearth.store.hardware.MemoryEstimate;
import dev.hearth.store.hardware.ModelSizeGuide;
import dev.hearth.store.library.ModelSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth doctor}: this machine as Hearth sees it, and which model sizes run well here. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Report CPU, memory, disk, Java and which model sizes run comfortably on this machine.")
final class DoctorCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HearthSettings settings = main.settings();
        Hardware hw = Hardware.detect();

        out.println("Hearth doctor");
        row(out, "CPU", hw.cpuModel() + " (" + hw.arch() + ")");
        row(out, "cores", hw.cores() + " available to Java"
                + (settings.raw(HearthSettings.NUM_THREADS).isPresent() ? ", HEARTH_NUM_THREADS=" + numThreads(settings) : ""));
        row(out, "vectors", hw.vectorBits() > 0
                ? hw.vectorBits() + "-bit (" + hw.vectorBits() / 32 + " floats per operation)"
                : "Vector API unavailable (start Java with --add-modules jdk.incubator.vector)");
        row(out, "memory", hw.totalMemory() > 0
                ? HumanBytes.format(hw.totalMemory()) + " total, " + HumanBytes.format(hw.availableMemory()) + " available"
                : "unknown");
        row(out, "model store", store(settings, err));
        row(out, "Java", hw.runtime() + " on " + hw.os());
        for (HearthSettings.Setting s : HearthSettings.ALL) {
            settings.raw(s.name()).ifPresent(v -> row(out, "setting", s.name() + "="
                    + (s.name().equals(HearthSettings.API_KEY) ? "(set)" : v)));
        }

        int ctx = contextLength(settings);
        out.println();
        out.println("Model sizes on this machine (Q4_K_M weights, " + ctx + "-token context):");
        out.println(String.format("    %-5s %-14s %10s %10s   %s", "size", "for example", "weights", "needs", "fit"));
        String largest = null;
        for (ModelSizeGuide.Size s : ModelSizeGuide.SIZES) {
            MemoryEstimate e = s.estimate(ctx);
            Fit fit = e.fitIn(hw.totalMemory());
            if (fit == Fit.COMFORTABLE) {
                largest = s.label();
            }
            out.println(String.format("    %-5s %-14s %10s %10s   %s", s.label(), s.example(),
                    HumanBytes.format(s.q4Weights()), HumanBytes.format(e.total()), fit.words()));
        }
        out.println();
        if (largest != null) {
            out.println("Models up to about " + largest + " parameters run comfortably here; smaller ones answer faster.");
        } else if (hw.totalMemory() > 0) {
            out.println("Only models smaller than 1B parameters (or stronger quantizations) fit comfortably here.");
        }
        out.flush();
        return 0;
    }

    private static int numThreads(HearthSettings settings) {
        try {
            return settings.numThreads();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    private static int contextLength(HearthSettings settings) {
        try {
            return settings.contextLength();
        } catch (IllegalArgumentException e) {
            return HearthSettings.DEFAULT_CONTEXT_LENGTH;
        }
    }

    private String store(HearthSettings settings, PrintWriter err) {
        Path dir;
        try {
            dir = settings.models();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        StringBuilder s = new StringBuilder(dir.toString());
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            if (existing != null) {
                s.append(", ").append(HumanBytes.format(Files.getFileStore(existing).getUsableSpace())).append(" free");
            }
        } catch (IOException e) {
            s.append(", free space unknown");
        }
        if (!Files.isDirectory(dir)) {
            return s.append(" (does not exist yet)").toString();
        }
        try {
            List<ModelSummary> models = main.library(err).list();
            long total = models.stream().mapToLong(ModelSummary::size).sum();
            s.append(", ").append(models.size()).append(models.size() == 1 ? " model (" : " models (")
                    .append(HumanBytes.format(total)).append(")");
            if (!Files.isWritable(dir)) {
                s.append(", read-only");
            }
        } catch (IOException e) {
            s.append(", unreadable: ").append(e.getMessage());
        }
        return s.toString();
    }

    private static void row(PrintWriter out, String key, String value) {
        out.println("  " + String.format("%-13s", key) + value);
    }
}
