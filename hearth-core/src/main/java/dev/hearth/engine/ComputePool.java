package dev.hearth.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of platform threads for the compute kernels.
 *
 * <p>{@link #parallelFor} splits {@code [0, n)} by guided self-scheduling: the first half of the work is cut
 * into one contiguous chunk per thread, which each thread runs first (the caller the first one), and the rest
 * is claimed from an atomic counter in chunks of {@code remaining / (2 * threads)}, shrinking to one grain at the
 * end. Long chunks first keep each thread's reads sequential; short ones last mean a thread that is slowed
 * down (another process on its core, a slower part of the work) leaves the others waiting at the barrier for
 * one grain at most. Four equal chunks per thread, before, left one thread spinning for half a chunk per call on
 * average (JFR: about 20% of generation samples in the barrier with two threads). Workers spin briefly on a
 * generation counter before parking, so
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

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    /** The first grain-sized block not yet claimed (after the threads' own first chunks). */
    private final AtomicInteger nextBlock = new AtomicInteger();
    /** Blocks in each thread's own first chunk. */
    private volatile int firstBlocks;
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
        int first = blocks / (2 * threads);
        firstBlocks = first;
        nextBlock.set(first * threads);
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

    /** This thread's own first chunk, then claimed ones until none is left. */
    private void runChunks(RangeTask body, int n, int grain, int index) {
        int blocks = (n + grain - 1) / grain;
        int first = firstBlocks;
        if (first > 0) {
            body.run(index * first * grain, Math.min(n, (index + 1) * first * grain), index);
        }
        while (true) {
            int start = nextBlock.get();
            if (start >= blocks) {
                return;
            }
            int size = Math.max(1, (blocks - start) / (2 * threads));
            if (nextBlock.compareAndSet(start, start + size)) {
                body.run(start * grain, Math.min(n, (start + size) * grain), index);
            }
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
