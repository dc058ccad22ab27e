package dev.hearth.sampling;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits, in llama.cpp's order: penalties (repeat, presence, frequency over the
 * last N tokens), then top-k, top-p and min-p on the softmax of the penalised logits, then temperature and
 * a draw from the remaining distribution. Greedy when the temperature is 0 or less.
 *
 * <p>All scratch space is allocated once for the vocabulary size: sampling a token allocates nothing.
 * The random generator is seeded from the config, so the same seed and the same logits give the same
 * tokens.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final int vocabSize;
    private final SplittableRandom random;
    private final int[] candidates;
    private final float[] values;
    private final int[] counts;
    /** Recent tokens for the penalties, a ring of {@code repeatLastN} (or context) entries. */
    private final int[] history;
    private int historyCount;
    private int historyHead;

    public Sampler(SamplerConfig config, int vocabSize, int contextLength) {
        this.config = config;
        this.vocabSize = vocabSize;
        long seed = config.seed() == -1 ? new SecureRandom().nextLong() : config.seed();
        this.random = new SplittableRandom(seed);
        this.candidates = new int[vocabSize];
        this.values = new float[vocabSize];
        this.counts = new int[vocabSize];
        int n = config.repeatLastN() == -1 ? contextLength : config.repeatLastN();
        this.history = new int[Math.max(0, n)];
    }

    public SamplerConfig config() {
        return config;
    }

    /** Records a token (prompt or generated) for the penalties. */
    public void accept(int token) {
        if (history.length == 0) {
            return;
        }
        history[historyHead] = token;
        historyHead = (historyHead + 1) % history.length;
        historyCount = Math.min(historyCount + 1, history.length);
    }

    public void resetHistory() {
        historyCount = 0;
        historyHead = 0;
    }

    /** Samples from {@code logits[offset .. offset + vocabSize)}; the array is modified (penalties). */
    public int sample(float[] logits, int offset) {
        applyPenalties(logits, offset);
        if (config.greedy()) {
            return argmax(logits, offset, vocabSize);
        }
        // Candidates sorted by logit, descending; top-k bounds how many we sort.
        int k = config.topK() <= 0 || config.topK() > vocabSize ? vocabSize : config.topK();
        int n = topK(logits, offset, k);
        // Softmax of the (untempered) logits for top-p and min-p.
        float max = values[0];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(values[i] - max);
        }
        if (config.topP() < 1f) {
            double cumulative = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cumulative += Math.exp(values[i] - max) / sum;
                if (cumulative >= config.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
        }
        if (config.minP() > 0f) {
            // p_i >= minP * p_max  <=>  logit_i >= max + ln(minP)
            double threshold = max + Math.log(config.minP());
            int keep = 1;
            while (keep < n && values[keep] >= threshold) {
                keep++;
            }
            n = keep;
        }
        // Temperature, then draw.
        float invT = 1f / config.temperature();
        double total = 0;
        for (int i = 0; i < n; i++) {
            double p = Math.exp((values[i] - max) * invT);
            values[i] = (float) p;
            total += p;
        }
        double r = random.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += values[i];
            if (r < acc) {
                return candidates[i];
            }
        }
        return candidates[n - 1];
    }

    private void applyPenalties(float[] logits, int offset) {
        float repeat = config.repeatPenalty();
        float presence = config.presencePenalty();
        float frequency = config.frequencyPenalty();
        if (historyCount == 0 || (repeat == 1f && presence == 0f && frequency == 0f)) {
            return;
        }
        for (int i = 0; i < historyCount; i++) {
            int t = history[i];
            if (t >= 0 && t < vocabSize) {
                counts[t]++;
            }
        }
        for (int i = 0; i < historyCount; i++) {
            int t = history[i];
            if (t < 0 || t >= vocabSize || counts[t] == 0) {
                continue; // out of range, or already penalised
            }
            int c = counts[t];
            counts[t] = 0;
            float l = logits[offset + t];
            if (repeat != 1f) {
                l = l > 0 ? l / repeat : l * repeat;
            }
            l -= c * frequency + presence;
            logits[offset + t] = l;
        }
    }

    /** Index of the largest value (the first on ties). */
    public static int argmax(float[] logits, int offset, int n) {
        int best = 0;
        float bestValue = logits[offset];
        for (int i = 1; i < n; i++) {
            float v = logits[offset + i];
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    /**
     * Fills {@code candidates/values[0..k)} with the k largest logits in descending order, using a min-heap
     * of size k over the vocabulary then heap-sorting it. Returns k.
     */
    private int topK(float[] logits, int offset, int k) {
        int size = 0;
        for (int i = 0; i < vocabSize; i++) {
            float v = logits[offset + i];
            if (size < k) {
                candidates[size] = i;
                values[size] = v;
                siftUp(size++);
            } else if (v > values[0]) {
                candidates[0] = i;
                values[0] = v;
                siftDown(0, size);
            }
        }
        // Heap sort: repeatedly move the minimum to the end, giving descending order.
        for (int end = size - 1; end > 0; end--) {
            swap(0, end);
            siftDown(0, end);
        }
        return size;
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (less(i, parent)) {
                swap(i, parent);
                i = parent;
            } else {
                return;
            }
        }
    }

    private void siftDown(int i, int size) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int smallest = l + 1 < size && less(l + 1, l) ? l + 1 : l;
            if (less(smallest, i)) {
                swap(i, smallest);
                i = smallest;
            } else {
                return;
            }
        }
    }

    /** Heap order: smaller value first; on equal values the larger id counts as smaller, so ties keep low ids. */
    private boolean less(int a, int b) {
        return values[a] < values[b] || (values[a] == values[b] && candidates[a] > candidates[b]);
    }

    private void swap(int a, int b) {
        int c = candidates[a];
        candidates[a] = candidates[b];
        candidates[b] = c;
        float v = values[a];
        values[a] = values[b];
        values[b] = v;
    }
}
