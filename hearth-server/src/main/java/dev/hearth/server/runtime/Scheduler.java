package dev.hearth.server.runtime;

import dev.hearth.engine.ComputePool;
import dev.hearth.engine.InferenceEngine;
import dev.hearth.engine.LoadedModel;
import dev.hearth.server.api.ApiException;
import dev.hearth.server.models.ResolvedModel;
import dev.hearth.server.prompt.PromptFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Loads models on demand, shares each among requests, and unloads them when idle past their keep-alive,
 * when room is needed for another model ({@code HEARTH_MAX_LOADED_MODELS}, memory), or on request.
 *
 * <p>Admission: at most {@code numParallel} requests per loaded model are decoded together (the engine's
 * slots) and {@code maxQueue} more may wait; a request beyond that is refused with 503 at once rather
 * than queued without bound.
 *
 * <p>Memory: before a model's KV cache and buffers are allocated, their size is computed exactly from the
 * model's shape ({@link Runner#estimateHeap}); if it does not fit in the Java heap left by the loaded
 * models, idle ones are unloaded, and if it still does not fit the load is refused with a message that
 * says what to change. The same for the weights against physical memory. A load therefore never dies of
 * OutOfMemoryError (and one that happens anyway is caught and reported the same way).
 *
 * <p>All state is guarded by this object's monitor; loading itself runs outside it, so requests for models
 * already loaded are never blocked by a load.
 */
public final class Scheduler implements AutoCloseable {

    /** A request's hold on a loaded model; closing it releases the model and sets its keep-alive. */
    public final class Lease implements AutoCloseable {
        private final Runner runner;
        private final long loadNanos;
        private Duration keepAlive;
        private boolean closed;

        private Lease(Runner runner, long loadNanos, Duration keepAlive) {
            this.runner = runner;
            this.loadNanos = loadNanos;
            this.keepAlive = keepAlive;
        }

        public Runner runner() {
            return runner;
        }

        /** Time this request spent loading the model (0 if it was loaded already). */
        public long loadNanos() {
            return loadNanos;
        }

        public void keepAlive(Duration d) {
            keepAlive = d;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(this);
            }
        }
    }

    /** A loaded model, as {@code /api/ps} shows it. */
    public record Loaded(ResolvedModel model, long sizeBytes, Instant expiresAt, int contextLength, int activeRequests) {}

    private final SchedulerConfig config;
    private final PrintStream log;
    private final Map<String, Runner> runners = new LinkedHashMap<>();
    private final Set<String> loading = new HashSet<>();
    private final Thread reaper;
    private int inFlight;
    private boolean closed;

    public Scheduler(SchedulerConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
        this.reaper = Thread.ofPlatform().daemon().name("hearth-scheduler").start(this::reapLoop);
    }

    public SchedulerConfig config() {
        return config;
    }

    /** The context length a request gets: its num_ctx, else the configured default, capped by the model's. */
    int contextFor(int requested, long modelContext) {
        if (requested > 0) {
            return requested;
        }
        int def = config.contextLength();
        return modelContext > 0 ? (int) Math.min(def, modelContext) : def;
    }

    /**
     * Gets a loaded model for a request, loading it if needed.
     *
     * @param numCtx requested context length per sequence (0: default)
     * @param numThread requested compute threads (0: default)
     * @param cancelled polled while waiting: true ends the wait with a 499-like ApiException
     * @throws ApiException 503 if the queue is full; 500 if the model cannot be loaded (with the reason)
     */
    public Lease acquire(ResolvedModel model, int numCtx, int numThread, Duration keepAlive, BooleanSupplier cancelled) {
        synchronized (this) {
            if (closed) {
                throw ApiException.busy("the server is shutting down");
            }
            int capacity = config.numParallel() * config.maxLoadedModels() + config.maxQueue();
            if (inFlight >= capacity) {
                throw ApiException.busy("server busy: " + inFlight + " requests are being served or queued "
                        + "(HEARTH_NUM_PARALLEL=" + config.numParallel() + ", HEARTH_MAX_QUEUE=" + config.maxQueue()
                        + "); try again later");
            }
            inFlight++;
        }
        boolean ok = false;
        try {
            Lease lease = acquireAdmitted(model, numCtx, numThread, keepAlive, cancelled);
            ok = true;
            return lease;
        } finally {
            if (!ok) {
                synchronized (this) {
                    inFlight--;
                    notifyAll();
                }
            }
        }
    }

    private Lease acquireAdmitted(ResolvedModel model, int numCtx, int numThread, Duration keepAlive,
            BooleanSupplier cancelled) {
        String digest = model.digest();
        int threads = numThread > 0 ? numThread : config.threads();
        while (true) {
            Runner.Key key;
            synchronized (this) {
                if (closed) {
                    throw ApiException.busy("the server is shutting down");
                }
                Runner r = runners.get(digest);
                int ctx = numCtx > 0 ? numCtx : (r != null && !r.unloading ? r.contextLength() : 0);
                if (r != null && !r.unloading && (ctx == 0 || r.key.contextLength() == ctx) && r.key.threads() == threads) {
                    r.refs++;
                    r.expiresAt = null;
                    return new Lease(r, 0, keepAlive);
                }
                if (r != null) {
                    // Loaded with other settings: reload once the requests using it are done (as Ollama does).
                    r.unloading = true;
                    if (r.refs == 0) {
                        unloadLocked(r, "reloading with other settings");
                    }
                    waitFor(cancelled);
                    continue;
                }
                if (loading.contains(digest)) {
                    waitFor(cancelled);
                    continue;
                }
                if (runners.size() + loading.size() >= config.maxLoadedModels()) {
                    Runner victim = idleVictim();
                    if (victim == null) {
                        waitFor(cancelled); // every loaded model is busy (or loading): wait for one to become idle
                        continue;
                    }
                    unloadLocked(victim, "making room for " + model.displayName());
                    continue;
                }
                loading.add(digest);
                key = new Runner.Key(digest, ctx, threads);
            }
            long start = System.nanoTime();
            Runner loaded = null;
            try {
                loaded = load(model, key);
            } finally {
                synchronized (this) {
                    loading.remove(digest);
                    if (loaded != null) {
                        if (closed) {
                            loaded.close();
                            loaded = null;
                        } else {
                            runners.put(digest, loaded);
                            loaded.refs++;
                        }
                    }
                    notifyAll();
                }
            }
            if (loaded == null) {
                throw ApiException.busy("the server is shutting down");
            }
            return new Lease(loaded, System.nanoTime() - start, keepAlive);
        }
    }

    /** Waits on the monitor for a state change, at most 100 ms at a time so that a disconnect is noticed. */
    private void waitFor(BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            throw new ApiException(499, "the client went away");
        }
        try {
            wait(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while waiting for a model");
        }
        if (cancelled.getAsBoolean()) {
            throw new ApiException(499, "the client went away");
        }
    }

    private Runner idleVictim() {
        return runners.values().stream().filter(r -> r.refs == 0)
                .min(Comparator.comparing(r -> r.lastUsed)).orElse(null);
    }

    private Runner load(ResolvedModel model, Runner.Key key) {
        if (model.projector()) {
            log("note: " + model.displayName() + " has a vision projector; images are not supported, text works");
        }
        LoadedModel loaded;
        try {
            loaded = LoadedModel.open(model.weights(), config.repackCache());
        } catch (IOException | RuntimeException e) {
            throw new ApiException(500, "cannot load model '" + model.displayName() + "': " + e.getMessage());
        }
        ComputePool pool = null;
        InferenceEngine engine = null;
        boolean ok = false;
        try {
            long trained = loaded.model().config().contextLength();
            int ctx = contextFor(key.contextLength(), trained);
            Runner.Key actual = new Runner.Key(key.digest(), ctx, key.threads());
            int slots = config.numParallel();
            int batch = Math.max(slots, config.batchCapacity());
            long weights = loaded.file().fileSize();
            long heap;
            try {
                heap = Runner.estimateHeap(loaded.model().config(), slots, ctx, batch, key.threads());
            } catch (ArithmeticException e) {
                throw new ApiException(500, "model '" + model.displayName() + "' cannot have a context of " + ctx
                        + " tokens × " + slots + " parallel sequences: the KV cache would be too large");
            }
            makeRoom(model, weights, heap, ctx, slots);
            PromptFormat prompts = PromptFormat.forModel(loaded.tokenizer(), model.template().orElse(null),
                    loaded.file().optString("tokenizer.chat_template").orElse(null),
                    w -> log(model.displayName() + ": " + w));
            pool = new ComputePool(key.threads());
            try {
                engine = new InferenceEngine(loaded.model(), loaded.tokenizer(), pool, slots, ctx, batch);
            } catch (OutOfMemoryError | ArithmeticException e) {
                throw memoryRefusal(model, heap, ctx, slots, "the Java heap ran out while allocating it");
            }
            // Warm the JIT while idle (a client that loads a model first, `hearth run` waiting for the user's
            // first line): that prompt is then ~0.3 s instead of 2-3 s on a 1 B model.
            engine.startLoop("hearth-engine-" + model.displayName(), true);
            Runner r = new Runner(actual, model, loaded, pool, engine, prompts, weights, heap);
            log("loaded " + model.displayName() + " (context " + ctx + " × " + slots + " parallel, "
                    + Runner.gib(weights) + " weights, " + Runner.gib(heap) + " cache and buffers, " + key.threads()
                    + " threads)");
            ok = true;
            return r;
        } finally {
            if (!ok) {
                if (engine != null) {
                    engine.close();
                }
                if (pool != null) {
                    pool.close();
                }
                loaded.close();
            }
        }
    }

    /** Unloads idle models until the new one fits; refuses the load if it cannot fit even then. */
    private void makeRoom(ResolvedModel model, long weights, long heap, int ctx, int slots) {
        synchronized (this) {
            while (true) {
                long heapUsed = 0;
                long weightsUsed = 0;
                for (Runner r : runners.values()) {
                    heapUsed += r.heapBytes();
                    weightsUsed += r.weightBytes();
                }
                boolean heapFits = heapUsed + heap <= config.heapBudget();
                boolean memoryFits = weightsUsed + heapUsed + weights + heap <= config.memoryBudget();
                if (heapFits && memoryFits) {
                    return;
                }
                Runner victim = idleVictim();
                if (victim != null) {
                    unloadLocked(victim, "freeing memory for " + model.displayName());
                    continue;
                }
                if (!heapFits) {
                    long free = Math.max(0, config.heapBudget() - heapUsed);
                    throw memoryRefusal(model, heap, ctx, slots, "only " + Runner.gib(free) + " of Java heap is free"
                            + (runners.isEmpty() ? "" : " (other models are loaded and busy)"));
                }
                throw new ApiException(500, "model '" + model.displayName() + "' requires more system memory ("
                        + Runner.gib(weights + heap) + ") than is available ("
                        + Runner.gib(Math.max(0, config.memoryBudget() - weightsUsed - heapUsed)) + ")");
            }
        }
    }

    private static ApiException memoryRefusal(ResolvedModel model, long heap, int ctx, int slots, String why) {
        return new ApiException(500, "model '" + model.displayName() + "' needs " + Runner.gib(heap)
                + " for its KV cache and buffers (context " + ctx + " × " + slots + " parallel) but " + why
                + "; use a smaller num_ctx or HEARTH_NUM_PARALLEL, or give Java more heap "
                + "(e.g. HEARTH_JAVA_OPTS=-Xmx16g)");
    }

    private synchronized void release(Lease lease) {
        Runner r = lease.runner;
        r.refs--;
        inFlight--;
        Instant now = Instant.now();
        r.lastUsed = now;
        Duration keep = lease.keepAlive == null ? config.keepAlive() : lease.keepAlive;
        if (r.refs == 0) {
            if (r.unloading || keep.isZero()) {
                unloadLocked(r, keep.isZero() ? "keep_alive 0" : "reloading with other settings");
            } else {
                r.expiresAt = keep.isNegative() || keep.compareTo(Duration.ofDays(365 * 100)) > 0 ? null : now.plus(keep);
            }
        }
        notifyAll();
    }

    /** Unloads a model now if idle, else as soon as its requests finish. */
    public synchronized void unload(String digest) {
        Runner r = runners.get(digest);
        if (r != null) {
            r.unloading = true;
            if (r.refs == 0) {
                unloadLocked(r, "requested");
            }
        }
    }

    /** Sets the keep-alive of a loaded idle model (a load request with an empty prompt). */
    public synchronized void touch(String digest, Duration keepAlive) {
        Runner r = runners.get(digest);
        if (r != null && r.refs == 0) {
            if (keepAlive.isZero()) {
                unloadLocked(r, "keep_alive 0");
            } else {
                r.expiresAt = keepAlive.isNegative() ? null : Instant.now().plus(keepAlive);
            }
        }
    }

    private void unloadLocked(Runner r, String why) {
        runners.remove(r.key.digest());
        notifyAll();
        // Closing joins the engine loop (which has no work: refs is 0), so it is quick.
        r.close();
        log("unloaded " + r.name() + " (" + why + ")");
    }

    public synchronized List<Loaded> loaded() {
        List<Loaded> out = new ArrayList<>();
        for (Runner r : runners.values()) {
            out.add(new Loaded(r.model(), r.totalBytes(), r.expiresAt, r.contextLength(), r.refs));
        }
        return out;
    }

    public synchronized boolean isLoaded(String digest) {
        return runners.containsKey(digest);
    }

    private void reapLoop() {
        while (true) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                Instant now = Instant.now();
                for (Runner r : new ArrayList<>(runners.values())) {
                    if (r.refs == 0 && r.expiresAt != null && !now.isBefore(r.expiresAt)) {
                        unloadLocked(r, "idle past keep_alive");
                    }
                }
                try {
                    wait(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void log(String message) {
        if (log != null) {
            log.println("[hearth] " + message);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (Runner r : new ArrayList<>(runners.values())) {
                runners.remove(r.key.digest());
                r.close();
            }
            notifyAll();
        }
        reaper.interrupt();
    }
}
