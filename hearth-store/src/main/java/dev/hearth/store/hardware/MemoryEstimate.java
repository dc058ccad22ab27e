package dev.hearth.store.hardware;

import dev.hearth.store.HumanBytes;
import dev.hearth.store.library.ModelFacts;

/**
 * Memory a model needs to run: its weights (memory-mapped, so they occupy page cache), the KV cache at a
 * given context length, and an allowance for activations, logits and the JVM.
 *
 * <p>The KV cache is {@code layers x context x kvHeads x (keyLength + valueLength) x 4} bytes: the engine
 * keeps keys and values as float32 ({@code dev.hearth.model.InferenceState}). Sliding-window layers would
 * need less; this is an upper bound.
 */
public record MemoryEstimate(long weights, long kvCache, long overhead, long contextLength) {

    /** Bytes per cached key or value element: float32, as the engine stores them. */
    public static final int KV_BYTES_PER_ELEMENT = 4;
    /** Fixed allowance for the JVM, buffers and the tokenizer. */
    public static final long BASE_OVERHEAD = 256L << 20;

    public long total() {
        return sum(sum(weights, kvCache), overhead);
    }

    /** The estimate for a model at {@code contextLength} tokens. */
    public static MemoryEstimate of(ModelFacts facts, long contextLength) {
        long kv = product(facts.blockCount(), contextLength, facts.kvHeads(),
                facts.keyLength() + facts.valueLength(), KV_BYTES_PER_ELEMENT);
        // activations grow with the embedding width and the batch; logits with the vocabulary
        long activations = product(facts.embeddingLength(), 4 * 64) + product(facts.vocabSize(), 4 * 2);
        return new MemoryEstimate(facts.weightBytes(), kv, sum(BASE_OVERHEAD, activations), contextLength);
    }

    /** The estimate from sizes alone (no GGUF at hand), e.g. for a table of typical models. */
    public static MemoryEstimate of(long weights, long layers, long kvHeads, long headDim, long contextLength) {
        return new MemoryEstimate(weights, product(layers, contextLength, kvHeads, 2 * headDim, KV_BYTES_PER_ELEMENT),
                BASE_OVERHEAD, contextLength);
    }

    /** A product of non-negative factors from a model's metadata, saturating instead of overflowing. */
    private static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            if (f <= 0) {
                return 0;
            }
            try {
                p = Math.multiplyExact(p, f);
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE / 4;
            }
        }
        return p;
    }

    private static long sum(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE / 4 : s;
    }

    /** How a model of this size fits in {@code machineMemory}. */
    public Fit fitIn(long machineMemory) {
        return Fit.of(total(), machineMemory);
    }

    /** "5.2 GB (weights 4.7 GB + KV cache 512 MB at 4096 tokens + 300 MB runtime)". */
    public String describe() {
        return HumanBytes.format(total()) + " (weights " + HumanBytes.format(weights) + " + KV cache "
                + HumanBytes.format(kvCache) + " at " + contextLength + " tokens + " + HumanBytes.format(overhead)
                + " runtime)";
    }
}
