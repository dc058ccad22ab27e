package dev.hearth.bench;

import dev.hearth.engine.ComputePool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
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

    private MemoryBandwidth() {
    }

    /**
     * Read bandwidth in bytes per second: the best of {@code passes} passes over a buffer of {@code bytes}
     * (allocated off-heap, filled, freed on return) with all of {@code pool}'s threads.
     */
    public static double measure(ComputePool pool, long bytes, int passes) {
        long size = Math.max(1 << 20, bytes / (4L * B.length()) * (4L * B.length()));
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(size, 4096);
            buffer.fill((byte) 1); // commit every page before timing
            ReadTask task = new ReadTask(buffer, pool.threads());
            // Compile the read loop first: run once per pass, it would otherwise be timed in the interpreter.
            ReadTask warmUp = new ReadTask(buffer.asSlice(0, 1 << 20), pool.threads());
            int warmChunks = (1 << 20) / (4 * B.length());
            for (int i = 0; i < 2000; i++) {
                pool.parallelFor(warmChunks, 64, warmUp);
            }
            int chunks = Math.toIntExact(size / (4L * B.length()));
            double best = 0;
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                pool.parallelFor(chunks, 1024, task);
                long t1 = System.nanoTime();
                best = Math.max(best, size * 1e9 / (t1 - t0));
            }
            if (task.checksum() + warmUp.checksum() == 42) { // keep the sums alive; never true for a buffer of ones
                System.out.print("");
            }
            return best;
        }
    }

    private static final class ReadTask implements ComputePool.RangeTask {
        private final MemorySegment buffer;
        private final long[] sums;

        ReadTask(MemorySegment buffer, int threads) {
            this.buffer = buffer;
            this.sums = new long[threads * 16]; // one cache line apart
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
            int width = B.length();
            ByteVector a0 = ByteVector.zero(B);
            ByteVector a1 = a0;
            ByteVector a2 = a0;
            ByteVector a3 = a0;
            long end4 = (long) end * 4 * width;
            for (long o = (long) start * 4 * width; o < end4; o += 4L * width) {
                a0 = a0.add(ByteVector.fromMemorySegment(B, buffer, o, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(ByteVector.fromMemorySegment(B, buffer, o + width, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(ByteVector.fromMemorySegment(B, buffer, o + 2L * width, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(ByteVector.fromMemorySegment(B, buffer, o + 3L * width, ByteOrder.LITTLE_ENDIAN));
            }
            sums[thread * 16] += a0.add(a1).add(a2).add(a3).reduceLanesToLong(VectorOperators.ADD);
        }
    }
}
