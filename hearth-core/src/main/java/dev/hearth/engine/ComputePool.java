package dev.hearth.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of platform threads for the compute kernels.
 *
 * <p>{@link #parallelFor} splits {@code [0, n)} into a few contiguous chunks per thread: each thread first runs
 * the chunk with its own index (the caller chunk 0), then takes the next unclaimed chunk from an atomic counter
 * until none is left. So a thread that is slowed down (another process on its core, a slower part of the
 * work) does not leave the others waiting at the barrier for long. Workers spin briefly on a generation counter before parking, so
 * the dozens of parallel steps per generated token cost microseconds, not a thread wake-up each. Nothing is
 * allocated per call: the task is a field, the barrier an atomic counter.
 *
 * <p>Not reentrant, and not for concurrent callers: each model instance owns its pool and runs one forward
 * pass at a time.
 */
public final class ComputePool implements AutoCloseable {

    /** A body over a sub-range {@code [start, end)} of the work, run by thread {@code thread}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int thread);
    }

    private static final int SPIN_ITERATIONS = 20_000;
    /** Chunks per thread: enough to even out imbalance, few enough to keep each chunk a long sequential read. */
    private static final int CHUNKS_PER_THREAD = 4;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger nextChunk = new AtomicInteger();
    private volatile int chunks;
    private volatile RangeTask task;
    private volatile int taskSize;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile Thread owner;
    private volatile int grain = 1;

    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int index = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("hearth-compute-" + index).unstarted(() -> workLoop(index));
            workers[i].start();
        }
    }

    /** Number of threads that share the work, the caller included. */
    public int threads() {
        return threads;
    }

    /** Thread ids of the worker threads (not the caller's), for per-thread measurements. */
    public long[] workerThreadIds() {
        long[] ids = new long[workers.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = workers[i].threadId();
        }
        return ids;
    }

    /** A sensible default: the cores the JVM may use. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into contiguous chunks, one per thread, and returns when
     * all are done. Chunks are rounded to multiples of {@code grain} so that, for example, rows of a
     * matrix land on whole cache lines or blocks.
     */
    public void parallelFor(int n, int grain, RangeTask body) {
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n <= grain) {
            body.run(0, n, 0);
            return;
        }
        owner = Thread.currentThread();
        task = body;
        taskSize = n;
        this.grain = grain;
        pending.set(workers.length);
        failure = null;
        int blocks = (n + grain - 1) / grain;
        chunks = Math.min(blocks, threads * CHUNKS_PER_THREAD);
        nextChunk.set(threads);
        generation.incrementAndGet();
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        runChunks(body, n, grain, 0);
        int spins = 0;
        while (pending.get() > 0) {
            if (++spins > SPIN_ITERATIONS) {
                LockSupport.parkNanos(10_000);
            } else {
                Thread.onSpinWait();
            }
        }
        task = null;
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    /** Chunk {@code index} (this thread's own), then unclaimed ones until none is left. */
    private void runChunks(RangeTask body, int n, int grain, int index) {
        int count = chunks;
        int blocks = (n + grain - 1) / grain;
        int c = index;
        while (c < count) {
            int start = (int) ((long) blocks * c / count) * grain;
            int end = Math.min(n, (int) ((long) blocks * (c + 1) / count) * grain);
            if (start < end) {
                body.run(start, end, index);
            }
            c = nextChunk.getAndIncrement();
        }
    }

    private void workLoop(int index) {
        int seen = 0;
        while (!closed) {
            int spins = 0;
            int g;
            while ((g = generation.get()) == seen && !closed) {
                if (++spins > SPIN_ITERATIONS) {
                    LockSupport.park(this);
                } else {
                    Thread.onSpinWait();
                }
            }
            if (closed) {
                return;
            }
            seen = g;
            try {
                runChunks(task, taskSize, grain, index);
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (pending.decrementAndGet() == 0) {
                    Thread o = owner;
                    if (o != null) {
                        LockSupport.unpark(o);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
