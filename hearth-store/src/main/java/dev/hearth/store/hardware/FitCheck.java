package dev.hearth.store.hardware;

import dev.hearth.gguf.GgufFile;
import dev.hearth.store.HumanBytes;
import dev.hearth.store.library.ModelFacts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** The warning to give before loading a model that will not fit this machine's memory. */
public final class FitCheck {
    private FitCheck() {}

    /**
     * A one-line warning if the model at {@code gguf}, run with {@code contextLength} tokens, needs more than
     * {@code machineMemory}; empty if it fits, or if the file cannot be read (loading it will say why).
     */
    public static Optional<String> warning(String name, Path gguf, long contextLength, long machineMemory) {
        if (machineMemory <= 0) {
            return Optional.empty();
        }
        try (GgufFile f = GgufFile.open(gguf)) {
            MemoryEstimate e = MemoryEstimate.of(ModelFacts.of(f), contextLength);
            if (e.fitIn(machineMemory) != Fit.TOO_LARGE) {
                return Optional.empty();
            }
            return Optional.of(name + " needs about " + e.describe() + ", more than this machine's "
                    + HumanBytes.format(machineMemory) + " of RAM: it will swap heavily or fail to load"
                    + " (try a smaller model, a stronger quantization or a shorter context)");
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
