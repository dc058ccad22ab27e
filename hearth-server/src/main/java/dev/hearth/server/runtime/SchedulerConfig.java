package dev.hearth.server.runtime;

import dev.hearth.config.HearthSettings;
import java.time.Duration;

/**
 * How the scheduler runs models.
 *
 * @param maxLoadedModels models kept loaded at once ({@code HEARTH_MAX_LOADED_MODELS})
 * @param numParallel sequences per model decoded together ({@code HEARTH_NUM_PARALLEL})
 * @param maxQueue requests that may wait beyond those being decoded ({@code HEARTH_MAX_QUEUE})
 * @param keepAlive how long an idle model stays loaded by default ({@code HEARTH_KEEP_ALIVE})
 * @param contextLength default context per sequence ({@code HEARTH_CONTEXT_LENGTH})
 * @param threads compute threads per model ({@code HEARTH_NUM_THREADS})
 * @param heapBudget Java heap the scheduler may fill with KV caches and buffers
 * @param memoryBudget physical memory the scheduler may fill with (memory-mapped) weights
 * @param batchCapacity most tokens per forward pass (prompt tokens are processed this many at a time)
 * @param repackCache where repacked weights are cached between loads ({@code HEARTH_REPACK_CACHE}), or null
 */
public record SchedulerConfig(int maxLoadedModels, int numParallel, int maxQueue, Duration keepAlive,
        int contextLength, int threads, long heapBudget, long memoryBudget, int batchCapacity,
        java.nio.file.Path repackCache) {

    /** Without a repack cache (tests). */
    public SchedulerConfig(int maxLoadedModels, int numParallel, int maxQueue, Duration keepAlive, int contextLength,
            int threads, long heapBudget, long memoryBudget, int batchCapacity) {
        this(maxLoadedModels, numParallel, maxQueue, keepAlive, contextLength, threads, heapBudget, memoryBudget,
                batchCapacity, null);
    }

    /** Heap kept free for everything else: request bodies, JSON trees, templates, the HTTP layer. */
    static final long HEAP_RESERVE = 256L << 20;

    public SchedulerConfig {
        if (maxLoadedModels < 1 || numParallel < 1 || maxQueue < 0 || contextLength < 2 || threads < 1 || batchCapacity < 1) {
            throw new IllegalArgumentException("invalid scheduler settings");
        }
    }

    public static SchedulerConfig from(HearthSettings s) {
        long heap = Math.max(64L << 20, Runtime.getRuntime().maxMemory() - HEAP_RESERVE);
        return new SchedulerConfig(s.maxLoadedModels(), s.numParallel(), s.maxQueue(), s.keepAlive(), s.contextLength(),
                s.numThreads(), heap, physicalMemory(), 128, s.repackCache().orElse(null));
    }

    /** Total physical memory, or Long.MAX_VALUE if the platform does not say. */
    static long physicalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            return total > 0 ? total : Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    public SchedulerConfig withParallel(int n) {
        return new SchedulerConfig(maxLoadedModels, n, maxQueue, keepAlive, contextLength, threads, heapBudget, memoryBudget, batchCapacity, repackCache);
    }

    public SchedulerConfig withQueue(int n) {
        return new SchedulerConfig(maxLoadedModels, numParallel, n, keepAlive, contextLength, threads, heapBudget, memoryBudget, batchCapacity, repackCache);
    }

    public SchedulerConfig withMaxLoaded(int n) {
        return new SchedulerConfig(n, numParallel, maxQueue, keepAlive, contextLength, threads, heapBudget, memoryBudget, batchCapacity, repackCache);
    }

    public SchedulerConfig withHeapBudget(long bytes) {
        return new SchedulerConfig(maxLoadedModels, numParallel, maxQueue, keepAlive, contextLength, threads, bytes, memoryBudget, batchCapacity, repackCache);
    }

    public SchedulerConfig withKeepAlive(Duration d) {
        return new SchedulerConfig(maxLoadedModels, numParallel, maxQueue, d, contextLength, threads, heapBudget, memoryBudget, batchCapacity, repackCache);
    }

    public SchedulerConfig withThreads(int n) {
        return new SchedulerConfig(maxLoadedModels, numParallel, maxQueue, keepAlive, contextLength, n, heapBudget, memoryBudget, batchCapacity, repackCache);
    }

    public SchedulerConfig withContextLength(int n) {
        return new SchedulerConfig(maxLoadedModels, numParallel, maxQueue, keepAlive, n, threads, heapBudget, memoryBudget, batchCapacity, repackCache);
    }
}
