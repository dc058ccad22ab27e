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
}
