package dev.hearth.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static float[] randomLogits(int n, long seed) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) r.nextGaussian() * 3;
        }
        return l;
    }

    private static SamplerConfig config(float temperature, int topK, float topP, float minP, long seed) {
        return new SamplerConfig(temperature, topK, topP, minP, 1f, 64, 0f, 0f, seed);
    }

    @Test
    void greedyPicksTheArgmax() {
        float[] l = randomLogits(1000, 1);
        int expected = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[expected]) {
                expected = i;
            }
        }
        assertThat(new Sampler(SamplerConfig.GREEDY, 1000, 64).sample(l.clone(), 0)).isEqualTo(expected);
    }

    @Test
    void sameSeedSameTokens() {
        float[] l = randomLogits(500, 2);
        Sampler a = new Sampler(config(1f, 0, 1f, 0f, 42), 500, 64);
        Sampler b = new Sampler(config(1f, 0, 1f, 0f, 42), 500, 64);
        for (int i = 0; i < 50; i++) {
            assertThat(a.sample(l.clone(), 0)).isEqualTo(b.sample(l.clone(), 0));
        }
    }

    @Test
    void differentSeedsDiffer() {
        float[] l = new float[100]; // uniform: any token is possible
        Set<Integer> seen = new HashSet<>();
        for (long seed = 0; seed < 30; seed++) {
            seen.add(new Sampler(config(1f, 0, 1f, 0f, seed), 100, 64).sample(l.clone(), 0));
        }
        assertThat(seen.size()).isGreaterThan(10);
    }

    @Test
    void topKOneIsGreedy() {
        float[] l = randomLogits(300, 3);
        int greedy = Sampler.argmax(l, 0, 300);
        Sampler s = new Sampler(config(5f, 1, 1f, 0f, 7), 300, 64);
        for (int i = 0; i < 20; i++) {
            assertThat(s.sample(l.clone(), 0)).isEqualTo(greedy);
        }
    }

    @Test
    void topKRestrictsToTheKBest() {
        float[] l = randomLogits(300, 4);
        Integer[] order = new Integer[300];
        for (int i = 0; i < 300; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(l[b], l[a]));
        Set<Integer> top5 = Set.of(order[0], order[1], order[2], order[3], order[4]);
        Sampler s = new Sampler(config(100f, 5, 1f, 0f, 9), 300, 64);
        for (int i = 0; i < 200; i++) {
            assertThat(top5).contains(s.sample(l.clone(), 0));
        }
    }

    @Test
    void topPKeepsTheNucleus() {
        float[] l = new float[10];
        l[3] = 10f; // ~all probability on token 3
        Sampler s = new Sampler(config(1f, 0, 0.5f, 0f, 11), 10, 64);
        for (int i = 0; i < 50; i++) {
            assertThat(s.sample(l.clone(), 0)).isEqualTo(3);
        }
    }

    @Test
    void minPDropsUnlikelyTokens() {
        float[] l = new float[10];
        l[1] = 5f;
        l[2] = 5f - (float) Math.log(2); // half as likely as token 1
        // others: e^-5 relative to token 1, below min_p 0.1
        Sampler s = new Sampler(config(1f, 0, 1f, 0.1f, 13), 10, 64);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            seen.add(s.sample(l.clone(), 0));
        }
        assertThat(seen).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void repeatPenaltyDemotesSeenTokens() {
        float[] l = new float[5];
        l[0] = 2f;
        l[1] = 1.9f;
        Sampler s = new Sampler(new SamplerConfig(0f, 0, 1f, 0f, 1.5f, 64, 0f, 0f, 0), 5, 64);
        s.accept(0);
        assertThat(s.sample(l.clone(), 0)).isEqualTo(1); // 2/1.5 < 1.9
    }

    @Test
    void presenceAndFrequencyPenalties() {
        float[] l = new float[5];
        l[0] = 2f;
        l[1] = 1.5f;
        Sampler s = new Sampler(new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0.2f, 0.2f, 0), 5, 64);
        s.accept(0);
        s.accept(0);
        float[] copy = l.clone();
        assertThat(s.sample(copy, 0)).isEqualTo(1);
        assertThat(copy[0]).isEqualTo(2f - 2 * 0.2f - 0.2f);
    }

    @Test
    void samplingAllocatesNothing() {
        float[] l = randomLogits(4096, 5);
        Sampler s = new Sampler(config(0.8f, 40, 0.9f, 0.05f, 1), 4096, 64);
        float[] work = new float[4096];
        for (int i = 0; i < 2000; i++) { // warm up the JIT
            System.arraycopy(l, 0, work, 0, l.length);
            s.accept(s.sample(work, 0));
        }
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = bean.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(l, 0, work, 0, l.length);
            s.accept(s.sample(work, 0));
        }
        assertThat(bean.getCurrentThreadAllocatedBytes() - before).isLessThan(1024);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> config(Float.NaN, 0, 1f, 0f, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> config(1f, 0, 2f, 0f, 0)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> new SamplerConfig(1f, 0, 1f, 0f, 0f, 64, 0f, 0f, 0)).hasMessageContaining("repeat_penalty");
    }
}
