package dev.hearth.engine;

import dev.hearth.model.Batch;
import dev.hearth.model.InferenceState;
import dev.hearth.model.Model;
import dev.hearth.model.Transformer;
import dev.hearth.sampling.Sampler;
import dev.hearth.tokenizer.StreamingDecoder;
import dev.hearth.tokenizer.Tokenizer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Generates for several sequences of one model at once (continuous batching): every {@link #step} builds
 * one batch from one token of each decoding sequence plus as many prompt tokens of new sequences as fit,
 * runs a single forward pass (each weight row read once for all of them), and samples each sequence's next
 * token. Sequences join and leave between steps.
 *
 * <p>Each of the {@code slots} sequences has its own region of the KV cache. A new request goes to the
 * free slot whose cached tokens share the longest prefix with its prompt, and reuses that prefix (a chat
 * that grows turn by turn only runs the new turn).
 *
 * <p>Threading: {@link #submit} may be called from any thread; {@link #step} from one thread at a time,
 * either a caller driving it ({@link #run}) or the loop started by {@link #startLoop}. Listeners are called
 * on the stepping thread.
 */
public final class InferenceEngine implements AutoCloseable {

    /** A submitted request. */
    public static final class Request {
        private final int[] prompt;
        private final GenerationOptions options;
        private final GenerationListener listener;
        private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();

        private Request(int[] prompt, GenerationOptions options, GenerationListener listener) {
            this.prompt = prompt;
            this.options = options;
            this.listener = listener;
        }

        /** Completes when generation ends (normally, cancelled, or with the exception that stopped it). */
        public CompletableFuture<GenerationResult> result() {
            return result;
        }
    }

    private final Model model;
    private final Tokenizer tokenizer;
    private final ComputePool pool;
    private final InferenceState state;
    private final Batch batch;
    private final Sequence[] active;
    /** Tokens cached in each slot, in order: slotTokens[s][0 .. state.length(s)). */
    private final int[][] slotTokens;
    private final ConcurrentLinkedQueue<Request> submitted = new ConcurrentLinkedQueue<>();
    /** Work that must run on the stepping thread between passes (embeddings). */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private volatile Thread loopThread;
    private volatile boolean closed;
    private volatile boolean warmingUp;
    private volatile int warmUpRounds;

    /**
     * @param slots sequences generated together
     * @param contextLength context of each sequence
     * @param batchCapacity most rows per forward pass (prompt tokens are processed this many at a time)
     */
    public InferenceEngine(Model model, Tokenizer tokenizer, ComputePool pool, int slots, int contextLength, int batchCapacity) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        }
        if (slots < 1 || slots > 256) {
            throw new IllegalArgumentException("parallel sequences must be 1..256, got " + slots);
        }
        int capacity = Math.max(slots, Math.min(batchCapacity, slots * contextLength));
        this.model = model;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.state = new InferenceState(model.config(), slots, contextLength, capacity, capacity, pool.threads());
        this.batch = new Batch(capacity);
        this.active = new Sequence[slots];
        this.slotTokens = new int[slots][contextLength];
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public int contextLength() {
        return state.contextLength();
    }

    public int slots() {
        return state.slots();
    }

    /** Bytes of KV cache held for all slots. */
    public long kvCacheBytes() {
        return state.kvCacheBytes();
    }

    /**
     * Queues a request. The prompt is checked now: an empty prompt, one that does not fit the context, or
     * a token outside the vocabulary fails with an {@link IllegalArgumentException}.
     */
    public Request submit(int[] prompt, GenerationOptions options, GenerationListener listener) {
        if (closed) {
            throw new IllegalStateException("the model has been unloaded");
        }
        validate(prompt);
        Request r = new Request(prompt.clone(), options, listener);
        submitted.add(r);
        Thread t = loopThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return r;
    }

    private void validate(int[] prompt) {
        int ctx = state.contextLength();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (prompt.length >= ctx) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but the context holds "
                    + ctx + "; use a larger context or a shorter prompt");
        }
        int vocab = model.config().vocabSize();
        for (int t : prompt) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
    }

    /** Submits and steps on the calling thread until this request is done (no loop thread may be running). */
    public GenerationResult run(int[] prompt, GenerationOptions options, GenerationListener listener) {
        if (loopThread != null) {
            throw new IllegalStateException("run() cannot be mixed with the background loop");
        }
        Request r = submit(prompt, options, listener);
        while (!r.result.isDone()) {
            step();
        }
        return r.result.join();
    }

    /**
     * Embeds {@code tokens}: the mean of the final-norm hidden states over all positions, L2-normalised.
     * Runs on the stepping thread between passes, in a scratch state of its own (the slots' caches are not
     * touched).
     */
    public CompletableFuture<float[]> embed(int[] tokens) {
        if (closed) {
            throw new IllegalStateException("the model has been unloaded");
        }
        validate(tokens);
        int[] copy = tokens.clone();
        CompletableFuture<float[]> result = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                result.complete(embedNow(copy));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        Thread t = loopThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return result;
    }

    private float[] embedNow(int[] tokens) {
        int dim = model.config().embeddingLength();
        int chunk = Math.min(batch.capacity(), tokens.length);
        InferenceState scratch = new InferenceState(model.config(), 1, tokens.length, chunk, 1, pool.threads());
        Batch b = new Batch(chunk);
        double[] sum = new double[dim];
        for (int i = 0; i < tokens.length; i += chunk) {
            int n = Math.min(chunk, tokens.length - i);
            b.clear();
            b.setHiddenOutput(true);
            for (int t = 0; t < n; t++) {
                b.add(tokens[i + t], 0, i + t, false);
            }
            Transformer.forward(model, scratch, pool, b);
            float[] hidden = Transformer.hidden(scratch);
            for (int t = 0; t < n; t++) {
                for (int d = 0; d < dim; d++) {
                    sum[d] += hidden[t * dim + d];
                }
            }
        }
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            sum[d] /= tokens.length;
            norm += sum[d] * sum[d];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) {
            out[d] = (float) (norm > 0 ? sum[d] / norm : 0);
        }
        return out;
    }

    /** Whether anything is queued or generating. */
    public boolean hasWork() {
        if (!submitted.isEmpty() || !waiting.isEmpty() || !tasks.isEmpty()) {
            return true;
        }
        for (Sequence s : active) {
            if (s != null) {
                return true;
            }
        }
        return false;
    }

    /** Sequences generating now. */
    public int activeCount() {
        int n = 0;
        for (Sequence s : active) {
            if (s != null) {
                n++;
            }
        }
        return n;
    }

    /** Starts a platform thread that steps whenever there is work, until {@link #close}. */
    public void startLoop(String name) {
        startLoop(name, false);
    }

    /**
     * Starts a platform thread that steps whenever there is work, until {@link #close}; with {@code warmUp},
     * it first spends idle time on {@link JitWarmUp} passes, until they stop getting faster or the first
     * request or embedding arrives (then abandoned within a layer: that request warms the rest).
     */
    public synchronized void startLoop(String name, boolean warmUp) {
        if (loopThread != null) {
            return;
        }
        warmingUp = warmUp;
        Thread t = Thread.ofPlatform().daemon().name(name).unstarted(() -> {
            JitWarmUp warm = warmUp ? newWarmUp() : null;
            while (!closed) {
                if (hasWork()) {
                    warm = null;
                    warmingUp = false;
                    step();
                } else if (warm != null) {
                    try {
                        warm.nextPass();
                        warmUpRounds = warm.rounds();
                    } catch (RuntimeException | OutOfMemoryError e) {
                        warm = null; // a warm-up never stops the engine; the first request shows any real problem
                    }
                    if (warm == null || warm.done()) {
                        warm = null;
                        warmingUp = false;
                    }
                } else {
                    LockSupport.parkNanos(50_000_000L);
                }
            }
            failAll(new IllegalStateException("the model was unloaded"));
        });
        loopThread = t;
        t.start();
    }

    private JitWarmUp newWarmUp() {
        try {
            return new JitWarmUp(model, pool, () -> closed || !submitted.isEmpty() || !tasks.isEmpty());
        } catch (RuntimeException | OutOfMemoryError e) {
            warmingUp = false;
            return null;
        }
    }

    /** Whether the loop is still warming up (see {@link #startLoop(String, boolean)}). */
    public boolean warmingUp() {
        return warmingUp;
    }

    /** Warm-up rounds the loop completed. */
    public int warmUpRounds() {
        return warmUpRounds;
    }

    /** One forward pass over every active sequence; admits waiting requests into free slots first. */
    public void step() {
        for (Runnable task; (task = tasks.poll()) != null; ) {
            task.run();
        }
        for (Request r; (r = submitted.poll()) != null; ) {
            waiting.add(r);
        }
        admit();
        try {
            stepActive();
        } catch (RuntimeException | Error e) {
            // A failure in the forward pass ends every sequence in it, with the error; the engine stays usable.
            for (int s = 0; s < active.length; s++) {
                if (active[s] != null) {
                    active[s].request.result.completeExceptionally(e);
                    active[s] = null;
                    state.truncate(s, 0);
                }
            }
        }
    }

    private void admit() {
        while (!waiting.isEmpty()) {
            int slot = bestFreeSlot(waiting.peek().prompt);
            if (slot < 0) {
                return;
            }
            Request r = waiting.poll();
            Sequence seq = new Sequence(r, slot);
            int reuse = r.options.promptLogits() ? 0 : commonPrefix(slot, r.prompt);
            reuse = Math.min(reuse, r.prompt.length - 1); // the last prompt token runs again for its logits
            state.truncate(slot, reuse);
            seq.promptDone = reuse;
            active[slot] = seq;
        }
    }

    private int bestFreeSlot(int[] prompt) {
        int best = -1;
        int bestPrefix = -1;
        for (int s = 0; s < active.length; s++) {
            if (active[s] == null) {
                int p = commonPrefix(s, prompt);
                if (p > bestPrefix) {
                    best = s;
                    bestPrefix = p;
                }
            }
        }
        return best;
    }

    private int commonPrefix(int slot, int[] prompt) {
        int n = Math.min(prompt.length, state.length(slot));
        int[] cached = slotTokens[slot];
        int i = 0;
        while (i < n && cached[i] == prompt[i]) {
            i++;
        }
        return i;
    }

    private void stepActive() {
        for (int s = 0; s < active.length; s++) {
            Sequence seq = active[s];
            if (seq != null && seq.request.listener.cancelled()) {
                finish(seq, "cancelled");
            }
        }
        batch.clear();
        // One row per decoding sequence first, so generation never starves behind long prompts.
        for (Sequence seq : active) {
            if (seq != null && seq.decoding) {
                int pos = state.length(seq.slot);
                seq.rows = 1;
                seq.logitRow = batch.add(seq.nextToken, seq.slot, pos, true);
                slotTokens[seq.slot][pos] = seq.nextToken;
            }
        }
        for (Sequence seq : active) {
            if (seq == null || seq.decoding || batch.isFull()) {
                continue;
            }
            int[] prompt = seq.request.prompt;
            int n = Math.min(batch.capacity() - batch.size(), prompt.length - seq.promptDone);
            boolean all = seq.request.options.promptLogits();
            seq.rows = n;
            seq.logitRow = -1;
            for (int i = 0; i < n; i++) {
                int pos = seq.promptDone + i;
                boolean last = pos == prompt.length - 1;
                int row = batch.add(prompt[pos], seq.slot, pos, all || last);
                if (row >= 0 && seq.logitRow < 0) {
                    seq.logitRow = row; // first logits row of this sequence in the batch
                }
                slotTokens[seq.slot][pos] = prompt[pos];
            }
        }
        if (batch.size() == 0) {
            return;
        }
        Transformer.forward(model, state, pool, batch);

        float[] logits = state.logits();
        for (Sequence seq : active) {
            if (seq == null || seq.rows == 0) {
                continue;
            }
            int rows = seq.rows;
            seq.rows = 0;
            if (seq.decoding) {
                sampleNext(seq, logits, state.logitsOffset(seq.logitRow));
                continue;
            }
            int[] prompt = seq.request.prompt;
            boolean all = seq.request.options.promptLogits();
            if (all) {
                for (int i = 0; i < rows; i++) {
                    seq.request.listener.onPromptLogits(seq.promptDone + i, logits, state.logitsOffset(seq.logitRow + i));
                }
            }
            seq.promptDone += rows;
            seq.evaluated += rows;
            if (seq.promptDone == prompt.length) {
                seq.promptEnd = System.nanoTime();
                seq.decoding = true;
                int lastRow = all ? seq.logitRow + rows - 1 : seq.logitRow;
                sampleNext(seq, logits, state.logitsOffset(lastRow));
            }
        }
    }

    /** Picks the sequence's next token from its logits and decides whether it is done. */
    private void sampleNext(Sequence seq, float[] logits, int offset) {
        GenerationOptions o = seq.request.options;
        int max = o.maxTokens() < 0 ? Integer.MAX_VALUE : o.maxTokens();
        if (seq.count >= max) {
            finish(seq, "length");
            return;
        }
        seq.request.listener.onGenerationLogits(seq.count, logits, offset);
        int token = seq.sampler.sample(logits, offset);
        if (seq.count == seq.generated.length) {
            seq.generated = Arrays.copyOf(seq.generated, seq.count * 2);
        }
        seq.generated[seq.count++] = token;
        seq.sampler.accept(token);
        seq.request.listener.onToken(token);
        if (tokenizer.isEndOfGeneration(token)) {
            finish(seq, "stop");
        } else if (seq.stops.append(seq.decoder.accept(token))) {
            finish(seq, "stop");
        } else if (seq.count >= max || state.length(seq.slot) >= state.contextLength()) {
            finish(seq, "length");
        } else {
            seq.nextToken = token;
        }
    }

    private void finish(Sequence seq, String reason) {
        active[seq.slot] = null;
        long now = System.nanoTime();
        long promptEnd = seq.promptEnd == 0 ? now : seq.promptEnd;
        GenerationResult result;
        try {
            if (!seq.stops.stopped()) {
                seq.stops.append(seq.decoder.flush());
                seq.stops.flush();
            }
            result = new GenerationResult(Arrays.copyOf(seq.generated, seq.count), seq.stops.text(), reason,
                    seq.request.prompt.length, seq.evaluated, promptEnd - seq.start, now - promptEnd);
        } catch (RuntimeException e) {
            seq.request.result.completeExceptionally(e);
            return;
        }
        seq.request.result.complete(result);
    }

    private void failAll(RuntimeException e) {
        for (Request r; (r = submitted.poll()) != null; ) {
            r.result.completeExceptionally(e);
        }
        for (Request r; (r = waiting.poll()) != null; ) {
            r.result.completeExceptionally(e);
        }
        for (int s = 0; s < active.length; s++) {
            if (active[s] != null) {
                active[s].request.result.completeExceptionally(e);
                active[s] = null;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = loopThread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            failAll(new IllegalStateException("the model was unloaded"));
        }
    }

    /** Per-request generation state. */
    private final class Sequence {
        final Request request;
        final int slot;
        final Sampler sampler;
        final StopStrings stops;
        final StreamingDecoder decoder;
        final long start = System.nanoTime();
        long promptEnd;
        int promptDone;
        int evaluated;
        boolean decoding;
        int nextToken;
        int[] generated = new int[16];
        int count;
        /** Rows of the current batch, and the first logits row among them. */
        int rows;
        int logitRow;

        Sequence(Request request, int slot) {
            this.request = request;
            this.slot = slot;
            this.sampler = new Sampler(request.options.sampler(), model.config().vocabSize(), state.contextLength());
            for (int t : request.prompt) {
                sampler.accept(t);
            }
            this.stops = new StopStrings(request.options.stop(), request.listener);
            this.decoder = tokenizer.newStreamingDecoder();
        }
    }
}
