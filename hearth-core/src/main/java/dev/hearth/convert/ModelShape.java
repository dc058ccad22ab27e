package dev.hearth.convert;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hyper-parameters of a Llama-architecture model, for writing random-weight files of a real model's
 * shape (benchmarks without downloads).
 *
 * @param name the shape's name ({@code llama-3.2-1b})
 * @param embeddingLength hidden size
 * @param blockCount layers
 * @param headCount query heads
 * @param headCountKv key/value heads
 * @param feedForwardLength FFN hidden size
 * @param vocabSize vocabulary size (rows of the embedding and output)
 * @param tiedOutput whether the output projection is the token embedding (no {@code output.weight})
 * @param ropeBase rotary base frequency
 * @param llama3RopeFactor Llama 3.1 rope scaling factor for {@code rope_freqs.weight}, or 0 for none
 * @param contextLength trained context length (metadata)
 */
public record ModelShape(
        String name,
        int embeddingLength,
        int blockCount,
        int headCount,
        int headCountKv,
        int feedForwardLength,
        int vocabSize,
        boolean tiedOutput,
        float ropeBase,
        float llama3RopeFactor,
        int contextLength) {

    private static final Map<String, ModelShape> NAMED = new TreeMap<>();

    static {
        // Llama 3.2 1B (meta-llama/Llama-3.2-1B config.json): 1.24 B parameters.
        add(new ModelShape("llama-3.2-1b", 2048, 16, 32, 8, 8192, 128256, true, 500000f, 32f, 131072));
        // Llama 3.2 3B.
        add(new ModelShape("llama-3.2-3b", 3072, 28, 24, 8, 8192, 128256, true, 500000f, 32f, 131072));
        // A tiny model of the same layout, for tests.
        add(new ModelShape("tiny", 256, 2, 8, 2, 512, 1024, true, 500000f, 32f, 4096));
    }

    private static void add(ModelShape s) {
        NAMED.put(s.name, s);
    }

    public ModelShape {
        if (embeddingLength <= 0 || blockCount <= 0 || headCount <= 0 || headCountKv <= 0 || feedForwardLength <= 0
                || vocabSize < 512 || embeddingLength % headCount != 0 || headCount % headCountKv != 0) {
            throw new IllegalArgumentException("inconsistent model shape " + name);
        }
    }

    /** The shape called {@code name}; see {@link #names()}. */
    public static ModelShape named(String name) {
        ModelShape s = NAMED.get(name.toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown model shape '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        return s;
    }

    public static java.util.Set<String> names() {
        return NAMED.keySet();
    }

    public int headDim() {
        return embeddingLength / headCount;
    }

    /** Weights of all 2-D tensors (the parameter count, without norms). */
    public long parameterCount() {
        long d = embeddingLength;
        long kv = (long) headCountKv * headDim();
        long layer = d * d * 2 + d * kv * 2 + 3 * d * feedForwardLength;
        return layer * blockCount + d * vocabSize * (tiedOutput ? 1 : 2);
    }
}
