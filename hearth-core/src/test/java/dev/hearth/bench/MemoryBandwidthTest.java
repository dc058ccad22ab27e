package dev.hearth.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.engine.ComputePool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MemoryBandwidthTest {

    /** Regions of uneven sizes (empty, under one chunk, with tails): every whole chunk is read once, nothing else. */
    @Test
    void readsEveryWholeChunkOfEveryRegionOnce() {
        SplittableRandom random = new SplittableRandom(7);
        try (Arena arena = Arena.ofShared(); ComputePool pool = new ComputePool(2)) {
            List<MemorySegment> regions = new ArrayList<>();
            long expected = 0;
            for (long size : new long[] {0, 100, 256, 1000, 4096, 70_000, 255, 513}) {
                MemorySegment region = arena.allocate(Math.max(1, size), 64).asSlice(0, size);
                for (long i = 0; i < size; i++) {
                    byte b = (byte) random.nextInt(256);
                    region.set(ValueLayout.JAVA_BYTE, i, b);
                    if (i < size / MemoryBandwidth.CHUNK * MemoryBandwidth.CHUNK) {
                        expected += b; // the lanes add bytes with wraparound; the reduction widens each lane
                    }
                }
                regions.add(region);
            }
            long sum = MemoryBandwidth.sumOfReadBytes(pool, regions);
            // Byte lanes wrap at 8 bits, so compare modulo 256: a missed or doubled chunk of random bytes shows.
            assertThat(Math.floorMod(sum, 256)).isEqualTo(Math.floorMod(expected, 256));
            assertThat(MemoryBandwidth.measure(pool, regions, 2)).isPositive();
        }
    }

    @Test
    void rejectsNothingToRead() {
        try (Arena arena = Arena.ofConfined(); ComputePool pool = new ComputePool(1)) {
            assertThatThrownBy(() -> MemoryBandwidth.measure(pool, List.of(), 1)).hasMessageContaining("no memory");
            assertThatThrownBy(() -> MemoryBandwidth.measure(pool, List.of(arena.allocate(100)), 1))
                    .hasMessageContaining("256");
        }
    }
}
