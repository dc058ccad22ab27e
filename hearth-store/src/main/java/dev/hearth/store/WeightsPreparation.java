package dev.hearth.store;

import dev.hearth.model.RepackedMatrices;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Work on a model's weights once it is installed (pulled or created) and before the operation reports
 * "success", so that the model is ready to load fast the first time it runs. It never fails the operation: the
 * model is installed already, and a weights file this engine cannot load still installs (running it says why).
 */
@FunctionalInterface
public interface WeightsPreparation {

    WeightsPreparation NONE = (weights, progress) -> {};

    /** Prepares the GGUF file {@code weights} (a blob of the store), telling {@code progress} what it does. */
    void prepare(Path weights, Progress progress);

    /**
     * Writes the weights' matrices, repacked for this CPU, to the repack cache in {@code directory}
     * ({@code HEARTH_REPACK_CACHE}): the first load then maps them instead of repacking (Llama-3.2-1B Q4_0:
     * about 0.3 s instead of 1.6-1.9 s). Does nothing where nothing repacks (Q8_0, F16, no 512-bit vectors).
     */
    static WeightsPreparation repackCache(Path directory) {
        System.Logger log = System.getLogger(WeightsPreparation.class.getName());
        return (weights, progress) -> {
            try {
                RepackedMatrices.prepare(weights, directory, () -> progress.status("preparing weights for this CPU"));
            } catch (IOException | RuntimeException e) {
                log.log(System.Logger.Level.DEBUG, "weights {0} not prepared: {1}", weights, e.toString());
            }
        };
    }
}
