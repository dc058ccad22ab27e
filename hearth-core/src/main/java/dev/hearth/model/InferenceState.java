package dev.hearth.model;

/**
 * The mutable state of a model's sequences: activation buffers for a batch of up to {@link #batchCapacity}
 * rows, and a KV cache of {@link #slots} sequences of {@link #contextLength} positions each. All buffers
 * are allocated here, once, so the token loop allocates nothing.
 *
 * <p>Buffer shapes (row-major, one row per batch row): {@code x, xb, o} [batch, dim]; {@code q} [batch,
 * heads * headDimK]; {@code k} [batch, kvHeads * headDimK]; {@code v} [batch, kvHeads * headDimV];
 * {@code att} [batch, heads * headDimV]; {@code gate, up} [batch, ffn]; {@code logits} [logitRows, vocab].
 * KV cache per layer: keys [slots, context, kvHeads * headDimK], values [slots, context, kvHeads *
 * headDimV].
 */
public final class InferenceState {
    final ModelConfig config;
    final int slots;
    final int contextLength;
    final int batchCapacity;
    final int logitRows;

    final float[] x;
    final float[] xb;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] att;
    final float[] o;
    final float[] gate;
    final float[] up;
    final float[] logits;
    /**
     * Per layer, the cached keys and values of every slot and position, KV head by KV head: head h's row for
     * cache position p (slot * contextLength + position) at {@code (h * slots * contextLength + p) * headDim}, so
     * that attention reads one head's rows as one contiguous stream.
     */
    final float[][] keyCache;
    final float[][] valueCache;
    /** Per compute thread: attention scores of the query heads sharing a KV head, head g at g * contextLength. */
    final float[][] scores;
    /** Per compute thread: the largest score of each of those heads, then 1 / its softmax denominator. */
    final float[][] softmaxScales;
    /** Batch activations packed for {@link dev.hearth.tensor.Gemm}: the input of the current matmul. */
    final float[] packed;
    /** One {@link dev.hearth.tensor.Gemm} tile per compute thread. */
    final float[][] tiles;
    /** One matrix-vector scratch per compute thread ({@link dev.hearth.tensor.MatmulKernel#gemvScratchLength}). */
    final float[][] gemvScratch;
    /** Rotary cos/sin for each row of the batch: [batch, ropeDim / 2]. */
    final float[] ropeCos;
    final float[] ropeSin;
    /** Positions filled in each slot's cache. */
    final int[] lengths;
    /** Scratch for checking a batch's positions. */
    final int[] nextPositions;

    final Transformer.Tasks tasks;
    /** For the single-sequence {@link Transformer#forward(Model, InferenceState, dev.hearth.engine.ComputePool, int[], int, int, boolean)}. */
    final Batch singleSequenceBatch;
    /** Asked between layers whether to abandon the pass ({@link Transformer.PassAbandoned}); null: never. */
    java.util.function.BooleanSupplier abandonWhen;

    /** One sequence; see {@link #InferenceState(ModelConfig, int, int, int, int, int)}. */
    /** Floats of KV cache per cached position: every layer's key and value row. */
    public static long kvFloatsPerPosition(ModelConfig config) {
        return (long) config.blockCount() * ((long) config.kvDimK() + config.kvDimV());
    }

    /**
     * Row of KV head {@code kvHead} for cache position {@code cachePos} ({@code slot * contextLength + position})
     * in {@link #keyCache} and {@link #valueCache}, counted in rows of the head's dimension.
     */
    int kvRow(int kvHead, int cachePos) {
        return kvHead * slots * contextLength + cachePos;
    }

    public InferenceState(ModelConfig config, int contextLength, int batchCapacity, int logitRows, int threads) {
        this(config, 1, contextLength, batchCapacity, logitRows, threads);
    }

    /**
     * @param slots sequences the KV cache holds
     * @param contextLength KV cache capacity of each sequence, in tokens
     * @param batchCapacity most rows per forward pass
     * @param logitRows rows of logits a pass can return
     * @param threads compute threads that will run passes (one attention scratch row each)
     */
    public InferenceState(ModelConfig config, int slots, int contextLength, int batchCapacity, int logitRows, int threads) {
        if (slots < 1 || contextLength < 1 || batchCapacity < 1 || logitRows < 1 || logitRows > batchCapacity || threads < 1) {
            throw new IllegalArgumentException("bad state sizes: slots " + slots + ", context " + contextLength
                    + ", batch " + batchCapacity + ", logit rows " + logitRows + ", threads " + threads);
        }
        this.config = config;
        this.slots = slots;
        this.contextLength = contextLength;
        this.batchCapacity = batchCapacity;
        this.logitRows = logitRows;
        int dim = config.embeddingLength();
        x = new float[Math.multiplyExact(batchCapacity, dim)];
        xb = new float[x.length];
        o = new float[x.length];
        q = new float[Math.multiplyExact(batchCapacity, config.qDim())];
        k = new float[Math.multiplyExact(batchCapacity, config.kvDimK())];
        v = new float[Math.multiplyExact(batchCapacity, config.kvDimV())];
        att = new float[Math.multiplyExact(batchCapacity, config.headCount() * config.headDimV())];
        gate = new float[Math.multiplyExact(batchCapacity, config.feedForwardLength())];
        up = new float[gate.length];
        logits = new float[Math.multiplyExact(logitRows, config.vocabSize())];
        long positions = Math.multiplyExact((long) slots, contextLength);
        keyCache = new float[config.blockCount()][Math.toIntExact(Math.multiplyExact(positions, config.kvDimK()))];
        valueCache = new float[config.blockCount()][Math.toIntExact(Math.multiplyExact(positions, config.kvDimV()))];
        int group = config.headCount() / Math.max(1, config.headCountKv());
        scores = new float[threads][Math.multiplyExact(group, contextLength)];
        softmaxScales = new float[threads][group];
        int maxCols = Math.max(dim, Math.max(config.headCount() * config.headDimV(), config.feedForwardLength()));
        packed = batchCapacity > 1 ? new float[dev.hearth.tensor.Gemm.packedLength(batchCapacity, maxCols)] : new float[0];
        tiles = new float[threads][batchCapacity > 1 ? dev.hearth.tensor.Gemm.tileLength(maxCols) : 0];
        gemvScratch = new float[threads][dev.hearth.tensor.MatmulKernel.gemvScratchLength(maxCols)];
        ropeCos = new float[Math.multiplyExact(batchCapacity, Math.max(1, config.ropeDim() / 2))];
        ropeSin = new float[ropeCos.length];
        lengths = new int[slots];
        nextPositions = new int[slots];
        tasks = new Transformer.Tasks(this);
        singleSequenceBatch = new Batch(batchCapacity);
    }

    public int slots() {
        return slots;
    }

    /** Positions filled in slot 0 (the single-sequence view). */
    public int position() {
        return lengths[0];
    }

    /** Positions filled in {@code slot}. */
    public int length(int slot) {
        return lengths[slot];
    }

    public int contextLength() {
        return contextLength;
    }

    public int batchCapacity() {
        return batchCapacity;
    }

    public int logitRows() {
        return logitRows;
    }

    /**
     * Makes every later pass over this state ask {@code abandon} before each layer and before the logits, and
     * stop with {@link Transformer.PassAbandoned} when it answers true: for work that must yield at once (a
     * warm-up when a request arrives). An abandoned pass leaves the positions it was filling undefined.
     */
    public void abandonWhen(java.util.function.BooleanSupplier abandon) {
        this.abandonWhen = abandon;
    }

    /** Forgets every sequence (the cache contents are simply overwritten later). */
    public void reset() {
        java.util.Arrays.fill(lengths, 0);
    }

    /** Keeps the first {@code newLength} positions of slot 0. */
    public void truncate(int newLength) {
        truncate(0, newLength);
    }

    /** Keeps the first {@code newLength} positions of {@code slot}, so the sequence continues from there. */
    public void truncate(int slot, int newLength) {
        if (newLength < 0 || newLength > lengths[slot]) {
            throw new IllegalArgumentException("cannot truncate slot " + slot + " to " + newLength + " of " + lengths[slot]);
        }
        lengths[slot] = newLength;
    }

    /** The shared logits buffer: row r of the last pass at {@link #logitsOffset(int)}. */
    public float[] logits() {
        return logits;
    }

    public int logitsOffset(int row) {
        return row * config.vocabSize();
    }

    /** Bytes held by the KV cache. */
    public long kvCacheBytes() {
        return 4L * slots * contextLength * (config.kvDimK() + config.kvDimV()) * config.blockCount();
    }
}
