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
            LayerWeights lw = w.layers()[l];
            boolean swa = c.isSlidingWindowLayer(l);
            Layers.rmsNorm(s.xb, s.x, lw.attnNorm(), n, dim, c.rmsEps());
            tasks.matmul(pool, lw.wq(), s.xb, n, s.q);
            tasks.matmul(pool, lw.wk(), s.xb, n, s.k);
            tasks.matmul(pool, lw.wv(), s.xb, n, s.v);
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
            // Store this batch's keys and values in their slots' caches.
            int kvK = c.kvDimK();
            int kvV = c.kvDimV();
            for (int t = 0; t < n; t++) {
                int cachePos = batch.slots[t] * s.contextLength + batch.positions[t];
                System.arraycopy(s.k, t * kvK, s.keyCache[l], cachePos * kvK, kvK);
                System.arraycopy(s.v, t * kvV, s.valueCache[l], cachePos * kvV, kvV);
            }

            tasks.attention(pool, batch, l, swa ? c.slidingWindow() : 0);
            tasks.matmul(pool, lw.wo(), s.att, n, s.o);
            if (lw.postAttnNorm() != null) {
                Layers.rmsNorm(s.o, s.o, lw.postAttnNorm(), n, dim, c.rmsEps());
            }
            Layers.add(s.x, s.o, n * dim);

            Layers.rmsNorm(s.xb, s.x, lw.ffnNorm(), n, dim, c.rmsEps());
            tasks.matmul(pool, lw.wGate(), s.xb, n, s.gate);
            tasks.matmul(pool, lw.wUp(), s.xb, n, s.up);
            Layers.gatedActivation(s.gate, s.up, n * c.feedForwardLength(), c.activation());
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
        Layers.rmsNorm(s.xb, s.x, w.outputNorm(), rows, dim, c.rmsEps());
        tasks.matmul(pool, w.output(), s.xb, rows, s.logits);
        if (c.finalLogitSoftcap() > 0) {
            Layers.softcap(s.logits, rows * c.vocabSize(), c.finalLogitSoftcap());
        }
    }

    /**
     * The parallel steps of a pass, as reusable objects whose fields are set before each
     * {@link ComputePool#parallelFor} call: lambdas capturing arguments would allocate on every step.
     */
    static final class Tasks {
        private final InferenceState s;
        private final MatmulTask matmul = new MatmulTask();
        private final AttentionTask attention;

        Tasks(InferenceState s) {
            this.s = s;
            this.attention = new AttentionTask(s);
        }

        /** out[t, r] = W[r] . x[t] for t < n: rows split across threads, each row read once per batch. */
        void matmul(ComputePool pool, WeightMatrix w, float[] x, int n, float[] out) {
            matmul.w = w;
            matmul.x = x;
            matmul.n = n;
            matmul.out = out;
            pool.parallelFor(w.rows(), 8, matmul);
            matmul.x = null;
            matmul.out = null;
        }

        void attention(ComputePool pool, Batch batch, int layer, int window) {
            attention.batch = batch;
            attention.layer = layer;
            attention.window = window;
            pool.parallelFor(batch.size * s.config.headCount(), 1, attention);
            attention.batch = null;
        }
    }

    private static final class MatmulTask implements ComputePool.RangeTask {
        WeightMatrix w;
        float[] x;
        int n;
        float[] out;

        @Override
        public void run(int start, int end, int thread) {
            int cols = w.cols();
            int rows = w.rows();
            for (int r = start; r < end; r++) {
                for (int t = 0; t < n; t++) {
                    out[t * rows + r] = w.dotRow(r, x, t * cols);
                }
            }
        }
    }

    /** Scaled dot-product attention of each (token, head) over the cached positions it may see. */
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
            int group = heads / c.headCountKv();
            int hdk = c.headDimK();
            int hdv = c.headDimV();
            int kvDimK = c.kvDimK();
            int kvDimV = c.kvDimV();
            float[] keys = s.keyCache[layer];
            float[] values = s.valueCache[layer];
            float[] scores = s.scores[thread];
            float scale = c.attentionScale();
            for (int item = start; item < end; item++) {
                int t = item / heads;
                int h = item % heads;
                int pos = batch.positions[t];
                int base = batch.slots[t] * s.contextLength; // first cache row of this sequence
                int kvHead = h / group;
                int qOff = t * c.qDim() + h * hdk;
                // llama.cpp's sliding window: position p sees q when p - q < window.
                int lo = window > 0 ? Math.max(0, pos - window + 1) : 0;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = lo; j <= pos; j++) {
                    float dot = Layers.dot(s.q, qOff, keys, (base + j) * kvDimK + kvHead * hdk, hdk) * scale;
                    scores[j] = dot;
                    if (dot > max) {
                        max = dot;
                    }
                }
                double sum = 0;
                for (int j = lo; j <= pos; j++) {
                    float e = (float) Math.exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                int outOff = t * heads * hdv + h * hdv;
                java.util.Arrays.fill(s.att, outOff, outOff + hdv, 0f);
                for (int j = lo; j <= pos; j++) {
                    Layers.axpy(s.att, outOff, values, (base + j) * kvDimV + kvHead * hdv, scores[j] * inv, hdv);
                }
            }
        }
    }
}
