package dev.hearth.bench;

import dev.hearth.engine.ComputePool;
import dev.hearth.model.InferenceState;
import dev.hearth.model.LayerWeights;
import dev.hearth.model.Model;
import dev.hearth.model.ModelWeights;
import dev.hearth.model.Transformer;
import dev.hearth.model.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The two tests of llama.cpp's {@code llama-bench}, on one model:
 * <ul>
 *   <li>prompt processing (pp): {@code promptTokens} random tokens as one batch, logits for the last token
 *       only;</li>
 *   <li>token generation (tg): {@code genTokens} random tokens one at a time.</li>
 * </ul>
 * Each run starts from a context of {@code depth} tokens (llama-bench's {@code -d}; 0: an empty KV cache):
 * random tokens processed once, before the first run and untimed, then kept; every run truncates the cache back
 * to them, which leaves it as a new fill would (llama-bench processes them again before each run). Callers warm
 * up (JIT compilation) and take the median of several runs. Token ids are random, as in llama-bench: the speed
 * does not depend on them.
 */
public final class ModelBenchmark {
    /** Batch size for filling the depth context when the prompt test's batch is smaller (llama-bench's default). */
    private static final int DEPTH_BATCH = 512;
    private final Model model;
    private final ComputePool pool;
    private final int promptTokens;
    private final int genTokens;
    private final int depth;
    private final InferenceState state;
    private final int[] tokens;
    private final SplittableRandom random = new SplittableRandom(1234);
    private boolean depthFilled;

    public ModelBenchmark(Model model, ComputePool pool, int promptTokens, int genTokens) {
        this(model, pool, promptTokens, genTokens, 0);
    }

    public ModelBenchmark(Model model, ComputePool pool, int promptTokens, int genTokens, int depth) {
        if (promptTokens < 0 || genTokens < 0 || promptTokens + genTokens == 0) {
            throw new IllegalArgumentException("need a positive number of prompt or generated tokens");
        }
        if (depth < 0) {
            throw new IllegalArgumentException("depth must be >= 0, got " + depth);
        }
        this.model = model;
        this.pool = pool;
        this.promptTokens = promptTokens;
        this.genTokens = genTokens;
        this.depth = depth;
        int context = Math.addExact(depth, Math.max(promptTokens, genTokens) + 1);
        int batch = Math.max(1, Math.max(promptTokens, Math.min(depth, DEPTH_BATCH)));
        this.state = new InferenceState(model.config(), context, batch, 1, pool.threads());
        this.tokens = new int[Math.max(depth, Math.max(promptTokens, genTokens))];
    }

    private void randomTokens(int n) {
        int vocab = model.config().vocabSize();
        for (int i = 0; i < n; i++) {
            tokens[i] = random.nextInt(vocab);
        }
    }

    /** The KV cache back to the depth context: processed the first time, truncated to it afterwards. */
    private void startFromDepth() {
        if (depth == 0) {
            state.reset();
            return;
        }
        if (!depthFilled) {
            state.reset();
            randomTokens(depth);
            for (int done = 0; done < depth; ) {
                int n = Math.min(state.batchCapacity(), depth - done);
                Transformer.forward(model, state, pool, tokens, done, n, false);
                done += n;
            }
            depthFilled = true;
        }
        state.truncate(depth);
    }

    /** One prompt-processing run; returns its wall time in nanoseconds. */
    public long promptRun() {
        startFromDepth();
        randomTokens(promptTokens);
        long t0 = System.nanoTime();
        Transformer.forward(model, state, pool, tokens, 0, promptTokens, false);
        return System.nanoTime() - t0;
    }

    /** One generation run; returns its wall time in nanoseconds. */
    public long generationRun() {
        startFromDepth();
        randomTokens(genTokens);
        long t0 = System.nanoTime();
        for (int i = 0; i < genTokens; i++) {
            Transformer.forward(model, state, pool, tokens, i, 1, false);
        }
        return System.nanoTime() - t0;
    }

    /**
     * Heap bytes allocated by the calling thread and the pool's threads during one generation run, per token
     * (the token loop is meant to allocate nothing); -1 where the JVM cannot tell. Call it after warm-up runs:
     * before the JIT has compiled the kernels, vector operations allocate.
     *
     * <p>The smaller of two runs: the first may still include one-time work of the JIT on the calling thread.
     * When a method is queued for C2, HotSpot resolves its class's string constants in the thread that asked
     * (Transformer's error messages: 480 bytes once, after three 32-token runs of Llama-3.2-1B; found with
     * {@code -XX:-UseTLAB} and JFR's jdk.ObjectAllocationOutsideTLAB). That is not allocation per token.
     */
    public double allocatedBytesPerGeneratedToken() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)
                || !mx.isThreadAllocatedMemorySupported() || !mx.isThreadAllocatedMemoryEnabled()) {
            return -1;
        }
        long first = allocatedBytesOfOneRun(mx);
        return (double) (first == 0 ? 0 : Math.min(first, allocatedBytesOfOneRun(mx))) / genTokens;
    }

    private long allocatedBytesOfOneRun(com.sun.management.ThreadMXBean mx) {
        startFromDepth();
        randomTokens(genTokens);
        // Per-thread counters one by one: the array form would allocate its result array while measuring.
        long[] workers = pool.workerThreadIds();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (long id : workers) {
            before += Math.max(0, mx.getThreadAllocatedBytes(id));
        }
        for (int i = 0; i < genTokens; i++) {
            Transformer.forward(model, state, pool, tokens, i, 1, false);
        }
        long after = mx.getCurrentThreadAllocatedBytes();
        for (long id : workers) {
            after += Math.max(0, mx.getThreadAllocatedBytes(id));
        }
        return after - before;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int genTokens() {
        return genTokens;
    }

    public int depth() {
        return depth;
    }

    /** Positions in the KV cache now: the depth context plus the last run's tokens. */
    public int cachedPositions() {
        return state.position();
    }

    /**
     * Bytes of KV cache one generated token reads per cached position: every layer's key and value row (the
     * cache holds floats). At long contexts they add up to a large share of a token's reads.
     */
    public static long kvBytesPerPosition(Model model) {
        return 4L * InferenceState.kvFloatsPerPosition(model.config());
    }

    /** Median of {@code values} (sorted copy). */
    public static double median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

        /**
     * The memory of the matrices every generated token reads whole (each layer's projections and the output
     * projection), for {@link MemoryBandwidth#measure(ComputePool, List, int)}: the bandwidth of the very pages
     * generation reads. Norms and the one embedding row per token are left out (under 0.1% of the bytes).
     */
    public static List<MemorySegment> weightRegions(Model model) {
        List<MemorySegment> regions = new ArrayList<>();
        for (WeightMatrix m : layerMatrices(model)) {
            regions.addAll(m.storage());
        }
        regions.addAll(model.weights().output().storage());
        return regions;
    }

    /** Each layer's projections, each matrix once (fused tensors split into views share nothing twice). */
    private static List<WeightMatrix> layerMatrices(Model model) {
        Map<WeightMatrix, Boolean> seen = new IdentityHashMap<>();
        List<WeightMatrix> matrices = new ArrayList<>();
        for (LayerWeights l : model.weights().layers()) {
            for (WeightMatrix m : new WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown()}) {
                if (seen.put(m, Boolean.TRUE) == null) {
                    matrices.add(m);
                }
            }
        }
        return matrices;
    }

/**
     * Weight bytes one generated token reads: every matrix of every layer and the output projection once (a
     * tied embedding counted once, as the output), plus one embedding row and the norm vectors.
     */
    public static long bytesPerToken(Model model) {
        ModelWeights w = model.weights();
        long bytes = 0;
        for (WeightMatrix m : layerMatrices(model)) {
            bytes += m.byteSize();
        }
        for (LayerWeights l : w.layers()) {
            bytes += 4L * (l.attnNorm().length + l.ffnNorm().length);
        }
        bytes += w.output().byteSize();
        if (w.output() != w.tokenEmbedding()) {
            bytes += w.tokenEmbedding().rowBytes();
        }
        return bytes + 4L * w.outputNorm().length;
    }
}
