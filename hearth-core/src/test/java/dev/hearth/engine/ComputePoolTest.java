package dev.hearth.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ComputePoolTest {
    @Test
    void everyIndexRunsExactlyOnce() {
        try (ComputePool pool = new ComputePool(3)) {
            for (int n : new int[] {1, 2, 7, 64, 1000, 4097}) {
                for (int grain : new int[] {1, 8, 32}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    pool.parallelFor(n, grain, (start, end, thread) -> {
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertThat(hits.get(i)).as("n=%d grain=%d i=%d", n, grain, i).isEqualTo(1);
                    }
                }
            }
        }
    }

    @Test
    void manyRoundsInARow() {
        try (ComputePool pool = new ComputePool(2)) {
            long[] sums = new long[2];
            for (int round = 0; round < 20_000; round++) {
                pool.parallelFor(16, 1, (s, e, t) -> sums[t] += e - s);
            }
            assertThat(sums[0] + sums[1]).isEqualTo(20_000L * 16);
        }
    }

    @Test
    void workerFailureReachesTheCaller() {
        try (ComputePool pool = new ComputePool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(100, 1, (s, e, t) -> {
                if (t == 1) {
                    throw new IllegalStateException("boom");
                }
            })).hasMessage("boom");
            // still usable
            int[] count = new int[1];
            pool.parallelFor(1, 1, (s, e, t) -> count[0]++);
            assertThat(count[0]).isEqualTo(1);
        }
    }

    @Test
    void rangesStayOnGrainBoundariesAndShrinkTowardsTheEnd() {
        try (ComputePool pool = new ComputePool(2)) {
            int n = 64 * 32 + 5;
            java.util.List<int[]> ranges = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            pool.parallelFor(n, 32, (start, end, thread) -> ranges.add(new int[] {start, end}));
            ranges.sort(java.util.Comparator.comparingInt(r -> r[0]));
            int expected = 0;
            for (int[] r : ranges) {
                assertThat(r[0]).isEqualTo(expected);
                assertThat(r[0] % 32).isZero();
                assertThat(r[1] == n || r[1] % 32 == 0).as("end %d", r[1]).isTrue();
                expected = r[1];
            }
            assertThat(expected).isEqualTo(n);
            // 65 blocks: two first chunks of 16, then claims of a quarter of the rest, down to single blocks.
            assertThat(ranges.get(0)).containsExactly(0, 16 * 32);
            assertThat(ranges.get(ranges.size() - 1)[1] - ranges.get(ranges.size() - 1)[0]).isLessThanOrEqualTo(32);
        }
    }

    @Test
    void aSlowThreadLeavesTheRestToTheOther() {
        try (ComputePool pool = new ComputePool(2)) {
            long[] work = new long[2];
            pool.parallelFor(1000, 1, (start, end, thread) -> {
                if (thread == 1) {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                work[thread] += end - start;
            });
            assertThat(work[0] + work[1]).isEqualTo(1000);
            assertThat(work[1]).as("the sleeping worker's share").isLessThan(500);
        }
    }
}
