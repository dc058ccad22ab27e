package dev.hearth.store.hardware;

import java.util.List;

/**
 * Typical open models by size, to tell a user which ones this machine runs comfortably. Shapes are those of
 * well-known models of each size (Llama 3.2 1B and 3B, Llama 3.1 8B, Qwen 2.5 14B and 32B, Llama 3.1 70B);
 * weights are their Q4_K_M GGUF sizes, which hold 4.5 to 5 bits per weight.
 */
public final class ModelSizeGuide {
    private ModelSizeGuide() {}

    /**
     * @param label the size as people say it
     * @param example a model of that size
     * @param q4Weights bytes of its Q4_K_M weights
     */
    public record Size(String label, String example, long q4Weights, int layers, int kvHeads, int headDim) {
        public MemoryEstimate estimate(long contextLength) {
            return MemoryEstimate.of(q4Weights, layers, kvHeads, headDim, contextLength);
        }
    }

    public static final List<Size> SIZES = List.of(
            new Size("1B", "llama3.2:1b", 808_000_000L, 16, 8, 64),
            new Size("3B", "llama3.2:3b", 2_020_000_000L, 28, 8, 128),
            new Size("8B", "llama3.1:8b", 4_920_000_000L, 32, 8, 128),
            new Size("14B", "qwen2.5:14b", 8_990_000_000L, 48, 8, 128),
            new Size("32B", "qwen2.5:32b", 19_850_000_000L, 64, 8, 128),
            new Size("70B", "llama3.1:70b", 42_520_000_000L, 80, 8, 128));
}
