package dev.hearth.bench;

import dev.hearth.engine.ComputePool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A STREAM-like read test: the threads of a {@link ComputePool} each sum their share of a buffer much larger
 * than the caches, with wide vector loads and independent accumulators, so the time is the memory's. Token
 * generation reads every weight once per token, so this read bandwidth divided by the bytes per token is the
 * ceiling of tokens per second.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED;
    /** Bytes per unit of work: four vectors of the widest species (512-bit), so any machine's vectors divide it. */
    static final int CHUNK = 256;

    private MemoryBandwidth() {
    }

    /**
     * Read bandwidth in bytes per second: the best of {@code passes} passes over a buffer of {@code bytes}
     * (allocated off-heap, filled, freed on return) with all of {@code pool}'s threads.
     */
    public static double measure(ComputePool pool, long bytes, int passes) {
        long size = Math.max(1 << 20, bytes / CHUNK * CHUNK);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(size, 4096);
            buffer.fill((byte) 1); // commit every page before timing
            return measure(pool, List.of(buffer), passes);
        }
    }

    /**
     * Read bandwidth in bytes per second over the given memory (each region read whole but for a tail of under
     * {@value #CHUNK} bytes): the best of {@code passes} passes with all of {@code pool}'s threads. Given the
     * regions a model's generation reads, the result is the bandwidth of exactly those pages. On this project's
     * VM (2026-11-24) most processes read 30-34 GB/s and about one in four 45-57, sometimes for a whole process,
     * sometimes only for a few seconds of it, over a fresh buffer and over the weights alike; so a share of the
     * limit is only meaningful next to the bandwidth it was computed from.
     */
    public static double measure(ComputePool pool, List<MemorySegment> regions, int passes) {
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("no memory to read");
        }
        ReadTask task = new ReadTask(regions, pool.threads());
        if (task.chunks() == 0) {
            throw new IllegalArgumentException("regions smaller than " + CHUNK + " bytes each");
        }
        // Compile the read loop first: run once per pass, it would otherwise be timed in the interpreter.
        MemorySegment first = regions.get(0);
        ReadTask warmUp = new ReadTask(List.of(first.asSlice(0, Math.min(first.byteSize(), 1 << 20))), pool.threads());
        for (int i = 0; i < 2000 && warmUp.chunks() > 0; i++) {
            pool.parallelFor(warmUp.chunks(), 64, warmUp);
        }
        long bytesRead = (long) task.chunks() * CHUNK;
        double best = 0;
        for (int p = 0; p < passes; p++) {
            long t0 = System.nanoTime();
            pool.parallelFor(task.chunks(), 1024, task);
            long t1 = System.nanoTime();
            best = Math.max(best, bytesRead * 1e9 / (t1 - t0));
        }
        if (task.checksum() + warmUp.checksum() == 42) { // keep the sums alive
            System.out.print("");
        }
        return best;
    }

    /** Sums chunks of {@value #CHUNK} bytes; chunk i is in the region whose first chunk is the last at or below i. */
    /** The sum of the bytes {@link #measure(ComputePool, List, int)} reads, as a byte-vector sum: for tests. */
    static long sumOfReadBytes(ComputePool pool, List<MemorySegment> regions) {
        ReadTask task = new ReadTask(regions, pool.threads());
        pool.parallelFor(task.chunks(), 3, task);
        return task.checksum();
    }

    private static final class ReadTask implements ComputePool.RangeTask {
        private final MemorySegment[] regions;
        /** First chunk of each region, and the total chunk count at the end. */
        private final int[] firstChunk;
        private final long[] sums;

        ReadTask(List<MemorySegment> regions, int threads) {
            this.regions = regions.toArray(new MemorySegment[0]);
            this.firstChunk = new int[this.regions.length + 1];
            long total = 0;
            for (int i = 0; i < this.regions.length; i++) {
                firstChunk[i] = Math.toIntExact(total);
                total += this.regions[i].byteSize() / CHUNK;
            }
            firstChunk[this.regions.length] = Math.toIntExact(total);
            this.sums = new long[threads * 16]; // one cache line apart
        }

        int chunks() {
            return firstChunk[regions.length];
        }

        long checksum() {
            long s = 0;
            for (long v : sums) {
                s += v;
            }
            return s;
        }

        @Override
        public void run(int start, int end, int thread) {
            int r = Arrays.binarySearch(firstChunk, start);
            r = r >= 0 ? r : -r - 2;
            int chunk = start;
            while (chunk < end) {
                while (firstChunk[r + 1] <= chunk) {
                    r++; // skips empty regions too
                }
                int stop = Math.min(end, firstChunk[r + 1]);
                sums[thread * 16] += sum(regions[r], (long) (chunk - firstChunk[r]) * CHUNK,
                        (long) (stop - firstChunk[r]) * CHUNK);
                chunk = stop;
            }
        }

        private static long sum(MemorySegment segment, long from, long to) {
            int width = B.length();
            ByteVector a0 = ByteVector.zero(B);
            ByteVector a1 = a0;
            ByteVector a2 = a0;
            ByteVector a3 = a0;
            for (long o = from; o < to; o += 4L * width) {
                a0 = a0.add(ByteVector.fromMemorySegment(B, segment, o, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(ByteVector.fromMemorySegment(B, segment, o + width, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(ByteVector.fromMemorySegment(B, segment, o + 2L * width, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(ByteVector.fromMemorySegment(B, segment, o + 3L * width, ByteOrder.LITTLE_ENDIAN));
            }
            return a0.add(a1).add(a2).add(a3).reduceLanesToLong(VectorOperators.ADD);
        }
    }
}
