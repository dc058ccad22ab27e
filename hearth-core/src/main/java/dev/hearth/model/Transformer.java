package dev.hearth.model;

import dev.hearth.engine.ComputePool;

/**
 * The decoder forward pass shared by every architecture: embeddings, then per block
 * {@code x += [postNorm](Attention(RMSNorm(x)))} and {@code x += [postNorm](FFN(RMSNorm(x)))}, then the
 * final norm and the output projection. Optional parts (biases, q/k norms, post norms, sliding windows,
 * embedding scale) are switched on by the weights and {@link ModelConfig} of the architecture.
 *
 * <p>A pass takes a batch of tokens at consecutive positions: each weight row is read once per batch and
 * multiplied with every token (the matrix-matrix path); attention runs per (token, head) with the causal
 * (and sliding-window) mask over the KV cache.
 */
public final class Transformer {
    private Transformer() {}

    /**
     * Single-sequence convenience: runs {@code n} tokens from {@code tokens[offset..]} in slot 0 at positions
     * {@code state.position()...}.
     *
     * @param allLogits true to compute logits for every token (n at most {@link InferenceState#logitRows()}),
     *     false for the last token only (row 0)
     */
    public static void forward(Model model, InferenceState s, ComputePool pool, int[] tokens, int offset, int n,
            boolean allLogits) {
        Batch b = s.singleSequenceBatch;
        b.clear();
        int start = s.lengths[0];
        for (int t = 0; t < n; t++) {
            b.add(tokens[offset + t], 0, start + t, allLogits || t == n - 1);
        }
        forward(model, s, pool, b);
    }

    /**
     * Runs every row of {@code batch} and stores their keys and values in their slots' caches. Logits of the
     * rows that want them land in {@link InferenceState#logits()}, in row order. Rows of one slot must come
     * at consecutive positions continuing that slot's cache (or overwriting its tail).
     */
    public static void forward(Model model, InferenceState s, ComputePool pool, Batch batch) {
        runLayers(model, s, pool, batch);
    }

    /** Hidden states after the final norm of the last pass with {@link Batch#setHiddenOutput}: row t at t * dim. */
    public static float[] hidden(InferenceState s) {
        return s.xb;
    }

    private static void runLayers(Model model, InferenceState s, ComputePool pool, Batch batch) {
        ModelConfig c = model.config();
        ModelWeights w = model.weights();
        int n = batch.size;
        if (n < 1 || n > s.batchCapacity) {
            throw new IllegalArgumentException("batch of " + n + " rows; capacity " + s.batchCapacity);
        }
        if (batch.logitRows > s.logitRows) {
            throw new IllegalArgumentException("logits for " + batch.logitRows + " rows requested; capacity " + s.logitRows);
        }
        int dim = c.embeddingLength();
        Tasks tasks = s.tasks;
        int[] next = s.nextPositions;
        System.arraycopy(s.lengths, 0, next, 0, s.slots);
        for (int t = 0; t < n; t++) {
            int token = batch.tokens[t];
            int slot = batch.slots[t];
            int pos = batch.positions[t];
            if (token < 0 || token >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
            if (slot < 0 || slot >= s.slots) {
                throw new IllegalArgumentException("slot " + slot + " does not exist (" + s.slots + " slots)");
            }
            if (pos < 0 || pos >= s.contextLength) {
                throw new IllegalStateException("context full: position " + pos + " of " + s.contextLength);
            }
            if (pos > next[slot]) {
                throw new IllegalArgumentException("position " + pos + " leaves a gap after position " + (next[slot] - 1) + " in slot " + slot);
            }
            next[slot] = Math.max(next[slot], pos + 1);
        }

        for (int t = 0; t < n; t++) {
            w.tokenEmbedding().dequantizeRow(batch.tokens[t], s.x, t * dim);
            if (c.embeddingScale() != 1f) {
                Layers.scale(s.x, t * dim, dim, c.embeddingScale());
            }
        }

        for (int l = 0; l < c.blockCount(); l++) {
            abandonIfAsked(s);
            LayerWeights lw = w.layers()[l];
            boolean swa = c.isSlidingWindowLayer(l);
            Layers.rmsNorm(s.xb, s.x, lw.attnNorm(), n, dim, c.rmsEps());
            tasks.qkv(pool, s.xb, n, lw.wq(), s.q, lw.wk(), s.k, lw.wv(), s.v);
            Layers.addBias(s.q, lw.bq(), n);
            Layers.addBias(s.k, lw.bk(), n);
            Layers.addBias(s.v, lw.bv(), n);
            if (lw.qNorm() != null) {
                Layers.rmsNorm(s.q, s.q, lw.qNorm(), n * c.headCount(), c.headDimK(), c.rmsEps());
            }
            if (lw.kNorm() != null) {
                Layers.rmsNorm(s.k, s.k, lw.kNorm(), n * c.headCountKv(), c.headDimK(), c.rmsEps());
            }
            if (c.ropeDim() > 0) {
                if (l == 0 || c.ropeBaseSwa() != c.ropeBase()) {
                    Layers.ropeTables(s.ropeCos, s.ropeSin, batch.positions, n, c.ropeDim(),
                            swa ? c.ropeBaseSwa() : c.ropeBase(), w.ropeFreqFactors());
                }
                Layers.rope(s.q, n, c.headCount(), c.headDimK(), c.ropeDim(), c.ropeType(), s.ropeCos, s.ropeSin);
                Layers.rope(s.k, n, c.headCountKv(), c.headDimK(), c.ropeDim(), c.ropeType(), s.ropeCos, s.ropeSin);
            }
            // Store this batch's keys and values in their slots' caches, KV head by KV head (InferenceState).
            int kvK = c.kvDimK();
            int kvV = c.kvDimV();
            int hdk = c.headDimK();
            int hdv = c.headDimV();
            for (int t = 0; t < n; t++) {
                int cachePos = batch.slots[t] * s.contextLength + batch.positions[t];
                for (int h = 0; h < c.headCountKv(); h++) {
                    int row = s.kvRow(h, cachePos);
                    System.arraycopy(s.k, t * kvK + h * hdk, s.keyCache[l], row * hdk, hdk);
                    System.arraycopy(s.v, t * kvV + h * hdv, s.valueCache[l], row * hdv, hdv);
                }
            }

            tasks.attention(pool, batch, l, swa ? c.slidingWindow() : 0);
            tasks.matmul(pool, lw.wo(), s.att, n, s.o);
            if (lw.postAttnNorm() != null) {
                Layers.rmsNorm(s.o, s.o, lw.postAttnNorm(), n, dim, c.rmsEps());
            }
            Layers.add(s.x, s.o, n * dim);

            Layers.rmsNorm(s.xb, s.x, lw.ffnNorm(), n, dim, c.rmsEps());
            tasks.gateUp(pool, s.xb, n, lw.wGate(), s.gate, lw.wUp(), s.up, c.activation());
            tasks.matmul(pool, lw.wDown(), s.gate, n, s.o);
            if (lw.postFfnNorm() != null) {
                Layers.rmsNorm(s.o, s.o, lw.postFfnNorm(), n, dim, c.rmsEps());
            }
            Layers.add(s.x, s.o, n * dim);
        }
        for (int t = 0; t < n; t++) {
            int slot = batch.slots[t];
            s.lengths[slot] = Math.max(s.lengths[slot], batch.positions[t] + 1);
        }

        if (batch.hiddenOutput) {
            // Embeddings: the final-norm hidden state of every row, in xb; no output projection.
            Layers.rmsNorm(s.xb, s.x, w.outputNorm(), n, dim, c.rmsEps());
            return;
        }
        // Final norm and logits, for the rows that want them (compacted to the front).
        int rows = 0;
        for (int t = 0; t < n; t++) {
            if (batch.wantLogits[t]) {
                if (rows != t) {
                    System.arraycopy(s.x, t * dim, s.x, rows * dim, dim);
                }
                rows++;
            }
        }
        if (rows == 0) {
            return;
        }
        abandonIfAsked(s);
        Layers.rmsNorm(s.xb, s.x, w.outputNorm(), rows, dim, c.rmsEps());
        tasks.matmul(pool, w.output(), s.xb, rows, s.logits);
        if (c.finalLogitSoftcap() > 0) {
            Layers.softcap(s.logits, rows * c.vocabSize(), c.finalLogitSoftcap());
        }
    }

    /** Thrown by a pass over a state whose {@link InferenceState#abandonWhen} check said so. */
    public static final class PassAbandoned extends RuntimeException {
        PassAbandoned() {
            super("pass abandoned", null, false, false);
        }
    }

    private static void abandonIfAsked(InferenceState s) {
        if (s.abandonWhen != null && s.abandonWhen.getAsBoolean()) {
            throw new PassAbandoned();
        }
    }

    /**
     * Up to how many rows a batch's product with these matrices is cheaper as that many matrix-vector products
     * (each reading the weights once) than as one matrix-matrix product. The batched kernels decode every weight
     * to float once per batch and then multiply in tiles, which costs about as much for 2 rows as for 16:
     * Llama-3.2-1B, 2 threads, whole passes of n tokens, in ms (2026-11-24):
     * <pre>
     *   weights   n = 1 (vector)   n = 2 .. 16 (batched)
     *   Q4_0           33              265-290
     *   Q8_0           58              273-302
     *   F16           117              307-322
     * </pre>
     * The vector products stream the weights, so their time goes with bytes per weight; the second and later
     * rows find much of a matrix in the last-level cache (one layer's q/k/v of Q4_0 is 3.5 MB), so row by row
     * took Q4_0 33 ms + 19 ms per further row, Q8_0 46 + 33. Up to 6 / (bytes per weight) rows go row by row
     * (Q4_0 and Q4_K 10, Q6_K 7, Q8_0 5, F16 3, F32 1): Q4_0 2 rows 50 ms, 8 rows 158 ms; Q8_0 4 rows 144 ms.
     * A chat turn's few new tokens and a decode step of a few parallel sequences fall in this range.
     */
    static int rowByRowLimit(WeightMatrix m0, WeightMatrix m1, WeightMatrix m2) {
        long weights = weights(m0) + weights(m1) + weights(m2);
        long bytes = bytes(m0) + bytes(m1) + bytes(m2);
        return (int) (6 * weights / Math.max(1, bytes));
    }

    private static long weights(WeightMatrix m) {
        return m == null ? 0 : (long) m.rows() * m.cols();
    }

    private static long bytes(WeightMatrix m) {
        return m == null ? 0 : weights(m) / m.type().blockSize() * m.type().typeSize();
    }

    /**
     * The parallel steps of a pass, as reusable objects whose fields are set before each
     * {@link ComputePool#parallelFor} call: lambdas capturing arguments would allocate on every step.
     */
    static final class Tasks {
        private final InferenceState s;
        private final ProjectionTask projection;
        private final PackTask pack = new PackTask();
        private final AttentionTask attention;

        Tasks(InferenceState s) {
            this.s = s;
            this.projection = new ProjectionTask(s);
            this.attention = new AttentionTask(s);
        }

        /** out[t, r] = W[r] . x[t] for t < n: rows split across threads, each row read once per batch. */
        void matmul(ComputePool pool, WeightMatrix w, float[] x, int n, float[] out) {
            project(pool, x, n, w, out, null, null, null, null, null);
        }

        /** The three attention projections of one input in a single parallel step. */
        void qkv(ComputePool pool, float[] x, int n, WeightMatrix wq, float[] q, WeightMatrix wk, float[] k,
                WeightMatrix wv, float[] v) {
            project(pool, x, n, wq, q, wk, k, wv, v, null);
        }

        /** gate = act(x . Wgate) * (x . Wup), in one parallel step: each thread activates the rows it computed. */
        void gateUp(ComputePool pool, float[] x, int n, WeightMatrix wGate, float[] gate, WeightMatrix wUp, float[] up,
                ModelConfig.Activation activation) {
            project(pool, x, n, wGate, gate, wUp, up, null, null, activation);
        }

        private void project(ComputePool pool, float[] x, int n, WeightMatrix m0, float[] o0, WeightMatrix m1,
                float[] o1, WeightMatrix m2, float[] o2, ModelConfig.Activation activation) {
            if (n > 1 && n <= rowByRowLimit(m0, m1, m2)) {
                for (int row = 0; row < n; row++) {
                    project(pool, x, 1, row, m0, o0, m1, o1, m2, o2, activation);
                }
            } else {
                project(pool, x, n, 0, m0, o0, m1, o1, m2, o2, activation);
            }
        }

        /** Rows {@code first .. first + n} of x (and of the outputs): as one batch if n > 1. */
        private void project(ComputePool pool, float[] x, int n, int first, WeightMatrix m0, float[] o0,
                WeightMatrix m1, float[] o1, WeightMatrix m2, float[] o2, ModelConfig.Activation activation) {
            ProjectionTask p = projection;
            if (n > 1) {
                pack.x = x;
                pack.n = n;
                pack.cols = m0.cols();
                pack.packed = s.packed;
                pool.parallelFor(m0.cols(), 64, pack);
                pack.x = null;
            }
            if (n == 1) {
                // A new x: the K-quant kernels rearrange it again, once per thread (not per row chunk).
                for (float[] scratch : s.gemvScratch) {
                    dev.hearth.tensor.MatmulKernel.invalidateGemvScratch(scratch);
                }
            }
            p.x = x;
            p.n = n;
            p.first = first;
            p.m0 = m0;
            p.o0 = o0;
            p.m1 = m1;
            p.o1 = o1;
            p.m2 = m2;
            p.o2 = o2;
            p.activation = activation;
            int rows = activation != null ? m0.rows()
                    : m0.rows() + (m1 == null ? 0 : m1.rows()) + (m2 == null ? 0 : m2.rows());
            pool.parallelFor(rows, n > 1 ? dev.hearth.tensor.Gemm.ROW_GRAIN : dev.hearth.tensor.InterleavedMatrix.GROUP_ROWS, p);
            p.x = null;
            p.m0 = p.m1 = p.m2 = null;
            p.o0 = p.o1 = p.o2 = null;
            p.activation = null;
        }

        void attention(ComputePool pool, Batch batch, int layer, int window) {
            attention.batch = batch;
            attention.layer = layer;
            attention.window = window;
            pool.parallelFor(batch.size * s.config.headCountKv(), 1, attention);
            attention.batch = null;
        }
    }

    /** Packs a batch of activations for {@link dev.hearth.tensor.Gemm}, split by columns. */
    private static final class PackTask implements ComputePool.RangeTask {
        float[] x;
        int n;
        int cols;
        float[] packed;

        @Override
        public void run(int start, int end, int thread) {
            dev.hearth.tensor.Gemm.pack(x, n, cols, packed, start, end);
        }
    }

    /**
     * Up to three matrices with the same input, their rows concatenated into one range split across threads
     * (q, k and v); or, with an activation, a gate and an up matrix of the same shape whose rows are computed
     * together and combined right away.
     */
    private static final class ProjectionTask implements ComputePool.RangeTask {
        private final InferenceState s;
        float[] x;
        int n;
        /** The first row of x and of the outputs (n == 1: the row a batch's matrix products take one by one). */
        int first;
        WeightMatrix m0;
        WeightMatrix m1;
        WeightMatrix m2;
        float[] o0;
        float[] o1;
        float[] o2;
        ModelConfig.Activation activation;

        ProjectionTask(InferenceState s) {
            this.s = s;
        }

        @Override
        public void run(int start, int end, int thread) {
            if (activation != null) {
                rows(m0, start, end, o0, thread);
                rows(m1, start, end, o1, thread);
                int ffn = m0.rows();
                for (int t = first; t < first + n; t++) {
                    Layers.gatedActivation(o0, o1, t * ffn + start, t * ffn + end, activation);
                }
                return;
            }
            int base = 0;
            for (int i = 0; i < 3; i++) {
                WeightMatrix m = i == 0 ? m0 : i == 1 ? m1 : m2;
                if (m == null) {
                    break;
                }
                int from = Math.max(start, base);
                int to = Math.min(end, base + m.rows());
                if (from < to) {
                    rows(m, from - base, to - base, i == 0 ? o0 : i == 1 ? o1 : o2, thread);
                }
                base += m.rows();
            }
        }

        private void rows(WeightMatrix m, int from, int to, float[] out, int thread) {
            if (n == 1) {
                m.gemv(from, to, x, first * m.cols(), out, first * m.rows(), s.gemvScratch[thread]);
            } else {
                m.gemm(from, to, s.packed, n, out, s.tiles[thread]);
            }
        }
    }

    /**
     * Scaled dot-product attention of each (token, KV head) over the cached positions it may see: the query heads
     * that share a KV head (grouped-query attention: 4 for Llama 3.2 1B) are computed together, so each cached
     * key and value row is read once for all of them rather than once per head (at 4000 cached positions, 2 MB
     * per KV head and layer, more than a core's L2), and a KV head's rows are contiguous in the cache, read as
     * one stream (rows of all heads side by side put a 2 KB stride between a head's rows, a new page every
     * other row, and the prefetchers gave up: 22 ms per token of attention at 2000 positions, on two threads
     * no faster than on one).
     */
    private static final class AttentionTask implements ComputePool.RangeTask {
        private final InferenceState s;
        Batch batch;
        int layer;
        int window;

        AttentionTask(InferenceState s) {
            this.s = s;
        }

        @Override
        public void run(int start, int end, int thread) {
            ModelConfig c = s.config;
            int heads = c.headCount();
            int kvHeads = c.headCountKv();
            int group = heads / kvHeads;
            int hdk = c.headDimK();
            int hdv = c.headDimV();
            int ctx = s.contextLength;
            float[] keys = s.keyCache[layer];
            float[] values = s.valueCache[layer];
            float[] scores = s.scores[thread]; // head g of the group at g * ctx
            float[] inverse = s.softmaxScales[thread];
            float scale = c.attentionScale();
            for (int item = start; item < end; item++) {
                int t = item / kvHeads;
                int kvHead = item % kvHeads;
                int pos = batch.positions[t];
                int base = batch.slots[t] * ctx; // first cache row of this sequence
                int firstHead = kvHead * group;
                int qOff = t * c.qDim() + firstHead * hdk;
                // llama.cpp's sliding window: position p sees q when p - q < window.
                int lo = window > 0 ? Math.max(0, pos - window + 1) : 0;
                int firstRow = s.kvRow(kvHead, base);
                int keyRows = firstRow * hdk;
                java.util.Arrays.fill(inverse, 0, group, Float.NEGATIVE_INFINITY); // each head's largest score
                for (int j = lo; j <= pos; j++) {
                    int k = keyRows + j * hdk;
                    for (int g = 0; g < group; g++) {
                        float score = Layers.dot(s.q, qOff + g * hdk, keys, k, hdk) * scale;
                        scores[g * ctx + j] = score;
                        if (score > inverse[g]) {
                            inverse[g] = score;
                        }
                    }
                }
                for (int g = 0; g < group; g++) {
                    inverse[g] = 1f / Layers.expShifted(scores, g * ctx + lo, g * ctx + pos + 1, inverse[g]);
                }
                Layers.weightedRows(s.att, t * heads * hdv + firstHead * hdv, hdv, values, firstRow * hdv,
                        hdv, scores, ctx, lo, pos + 1, inverse, group, hdv);
            }
        }
    }
}
