package dev.hearth.server.runtime;

import dev.hearth.engine.ComputePool;
import dev.hearth.engine.InferenceEngine;
import dev.hearth.engine.LoadedModel;
import dev.hearth.model.InferenceState;
import dev.hearth.model.ModelConfig;
import dev.hearth.server.models.ResolvedModel;
import dev.hearth.server.prompt.PromptFormat;
import java.time.Duration;
import java.time.Instant;

/**
 * One loaded model: the mapped weights, its compute threads, its inference engine (with its batching loop
 * thread) and its prompt format. Guarded by the {@link Scheduler}'s lock, except the final fields, which
 * request threads use freely.
 */
public final class Runner {

    /** What makes two loads interchangeable: the same model version with the same context and threads. */
    record Key(String digest, int contextLength, int threads) {}

    final Key key;
    private final ResolvedModel model;
    private final LoadedModel loaded;
    private final ComputePool pool;
    private final InferenceEngine engine;
    private final PromptFormat prompts;
    private final long weightBytes;
    private final long heapBytes;
    private final Instant loadedAt = Instant.now();

    // guarded by the scheduler
    int refs;
    Instant expiresAt;
    Instant lastUsed = Instant.now();
    boolean unloading;

    Runner(Key key, ResolvedModel model, LoadedModel loaded, ComputePool pool, InferenceEngine engine, PromptFormat prompts,
            long weightBytes, long heapBytes) {
        this.key = key;
        this.model = model;
        this.loaded = loaded;
        this.pool = pool;
        this.engine = engine;
        this.prompts = prompts;
        this.weightBytes = weightBytes;
        this.heapBytes = heapBytes;
    }

    public ResolvedModel model() {
        return model;
    }

    public InferenceEngine engine() {
        return engine;
    }

    public PromptFormat prompts() {
        return prompts;
    }

    public int contextLength() {
        return key.contextLength();
    }

    public String name() {
        return model.displayName();
    }

    public long weightBytes() {
        return weightBytes;
    }

    public long heapBytes() {
        return heapBytes;
    }

    /** Memory the model holds: weights plus KV cache and buffers. */
    public long totalBytes() {
        return weightBytes + heapBytes;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    public ModelConfig config() {
        return loaded.model().config();
    }

    /** Stops the engine (failing what it still holds), its threads, and unmaps the weights. */
    void close() {
        try {
            engine.close();
        } finally {
            try {
                pool.close();
            } finally {
                loaded.close();
            }
        }
    }

    /**
     * Bytes of heap a model needs for {@code slots} sequences of {@code context} tokens with batches of
     * {@code batch} rows: the KV cache (float32 keys and values for every layer and position) plus the
     * activation buffers and per-thread attention scores that {@code InferenceState} allocates, plus the
     * engine's token history.
     */
    static long estimateHeap(ModelConfig c, int slots, int context, int batch, int threads) {
        long positions = Math.multiplyExact((long) slots, context);
        long kv = Math.multiplyExact(positions, InferenceState.kvFloatsPerPosition(c));
        long perRow = 3L * c.embeddingLength() + c.qDim() + c.kvDimK() + c.kvDimV()
                + (long) c.headCount() * c.headDimV() + 2L * c.feedForwardLength() + c.ropeDim() + c.vocabSize();
        long activations = Math.multiplyExact((long) batch, perRow);
        // Attention scores: per compute thread, one row of the context per query head sharing a KV head.
        long scores = Math.multiplyExact((long) threads * (c.headCount() / Math.max(1, c.headCountKv())), context);
        long floats = Math.addExact(Math.addExact(kv, activations), scores);
        return Math.addExact(Math.multiplyExact(floats, 4L), Math.multiplyExact(positions, 4L));
    }

    /** A memory size for messages: GiB, or MiB below 1 GiB (small models would read "0.00 GiB"). */
    static String gib(long bytes) {
        if (bytes < (1L << 30)) {
            return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(java.util.Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }

    Duration idleFor(Instant now) {
        return Duration.between(lastUsed, now);
    }
}
