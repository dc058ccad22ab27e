package dev.hearth.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.sampling.SamplerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InferenceEngineTest {
    private static final Path MODEL = Path.of(System.getProperty("hearth.testdata", "../testdata"), "models", "qwen2-Q8_0.gguf");
    private static LoadedModel loaded;
    private static ComputePool pool;

    @BeforeAll
    static void load() throws Exception {
        loaded = LoadedModel.open(MODEL);
        pool = new ComputePool(2);
    }

    @AfterAll
    static void close() {
        pool.close();
        loaded.close();
    }

    private int[] prompt(String text) {
        return loaded.tokenizer().encode(text, loaded.tokenizer().addBosByDefault(), false);
    }

    @Test
    void batchedSequencesGenerateWhatTheyWouldAlone() {
        String[] texts = {"Hello", "The quick brown fox", "Once upon a time in a land", "1 2 3 4 5 6 7"};
        List<int[]> alone = new ArrayList<>();
        try (Generator g = new Generator(loaded.model(), loaded.tokenizer(), 128, pool, false, 16)) {
            for (String t : texts) {
                g.generate(prompt("reset cache " + t), GenerationOptions.greedy(1), new GenerationListener() {});
                alone.add(g.generate(prompt(t), GenerationOptions.greedy(12), new GenerationListener() {}).tokens());
            }
        }
        try (InferenceEngine engine = new InferenceEngine(loaded.model(), loaded.tokenizer(), pool, 3, 128, 8)) {
            List<InferenceEngine.Request> requests = new ArrayList<>();
            for (String t : texts) {
                requests.add(engine.submit(prompt(t), GenerationOptions.greedy(12), new GenerationListener() {}));
            }
            while (engine.hasWork()) {
                engine.step();
            }
            for (int i = 0; i < texts.length; i++) {
                assertThat(requests.get(i).result().join().tokens()).as(texts[i]).containsExactly(alone.get(i));
            }
        }
    }

    @Test
    void warmUpRunsWhileIdleAndYieldsToRequests() throws Exception {
        int[] p = prompt("The quick brown fox");
        int[] expected;
        try (InferenceEngine engine = new InferenceEngine(loaded.model(), loaded.tokenizer(), pool, 2, 128, 8)) {
            expected = engine.run(p, GenerationOptions.greedy(8), new GenerationListener() {}).tokens();
        }
        // Idle: rounds until they stop getting faster, at least two, at most the limit.
        try (InferenceEngine engine = new InferenceEngine(loaded.model(), loaded.tokenizer(), pool, 2, 128, 8)) {
            engine.startLoop("warm-idle", true);
            assertThat(engine.warmingUp()).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (engine.warmingUp() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(engine.warmingUp()).isFalse();
            assertThat(engine.warmUpRounds()).isBetween(2, JitWarmUp.MAX_ROUNDS);
            assertThat(engine.submit(p, GenerationOptions.greedy(8), new GenerationListener() {}).result()
                    .get(60, TimeUnit.SECONDS).tokens()).containsExactly(expected);
        }
        // A request at once: the warm-up stops for it, and its tokens are those of an engine without one.
        try (InferenceEngine engine = new InferenceEngine(loaded.model(), loaded.tokenizer(), pool, 2, 128, 8)) {
            engine.startLoop("warm-busy", true);
            GenerationResult r = engine.submit(p, GenerationOptions.greedy(8), new GenerationListener() {}).result()
                    .get(60, TimeUnit.SECONDS);
            assertThat(r.tokens()).containsExactly(expected);
            assertThat(engine.warmingUp()).isFalse();
        }
    }

    @Test
    void warmUpPassesAreAbandonedWhenAsked() {
        AtomicInteger asked = new AtomicInteger();
        JitWarmUp warm = new JitWarmUp(loaded.model(), pool, () -> asked.incrementAndGet() > 1);
        assertThat(warm.nextPass()).isFalse(); // abandoned at the second check (before layer 1 or the logits)
        assertThat(warm.rounds()).isZero();
        JitWarmUp free = new JitWarmUp(loaded.model(), pool, () -> false);
        for (int i = 0; i < 3 * JitWarmUp.MAX_ROUNDS && !free.done(); i++) {
            assertThat(free.nextPass()).isTrue();
        }
        assertThat(free.done()).isTrue();
        assertThat(free.rounds()).isBetween(2, JitWarmUp.MAX_ROUNDS);
    }

    @Test
    void backgroundLoopServesConcurrentRequests() throws Exception {
        try (InferenceEngine engine = new InferenceEngine(loaded.model(), loaded.tokenizer(), pool, 4, 128, 16)) {
            engine.startLoop("test-engine");
            List<InferenceEngine.Request> requests = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                requests.add(engine.submit(prompt("Request number " + i), GenerationOptions.greedy(6), new GenerationListener() {}));
            }
            for (InferenceEngine.Request r : requests) {
                GenerationResult res = r.result().get(60, TimeUnit.SECONDS);
                assertThat(res.tokens()).hasSize(6);
                assertThat(res.doneReason()).isEqualTo("length");
            }
        }
    }

    @Test
    void fullContextEndsWithLength() {
        try (Generator g = new Generator(loaded.model(), loaded.tokenizer(), 16, pool, false, 8)) {
            int[] p = prompt("Hello there");
            GenerationResult r = g.generate(p, new GenerationOptions(-1, SamplerConfig.GREEDY.withTemperature(0), List.of(), false),
                    new GenerationListener() {});
            assertThat(r.doneReason()).isEqualTo("length");
            assertThat(p.length + r.tokens().length).isEqualTo(16 + 1); // the last sampled token is never fed
        }
    }

    @Test
    void promptLongerThanContextIsRejected() {
        try (Generator g = new Generator(loaded.model(), loaded.tokenizer(), 8, pool, false, 8)) {
            assertThatThrownBy(() -> g.generate(prompt("a b c d e f g h i j k l m n o p"), GenerationOptions.greedy(4),
                    new GenerationListener() {})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context");
        }
    }

    @Test
    void cancellationStopsGeneration() {
        AtomicInteger tokens = new AtomicInteger();
        try (Generator g = new Generator(loaded.model(), loaded.tokenizer(), 128, pool, false, 8)) {
            GenerationResult r = g.generate(prompt("Count"), GenerationOptions.greedy(100), new GenerationListener() {
                @Override
                public void onToken(int token) {
                    tokens.incrementAndGet();
                }

                @Override
                public boolean cancelled() {
                    return tokens.get() >= 3;
                }
            });
            assertThat(r.doneReason()).isEqualTo("cancelled");
            assertThat(r.tokens()).hasSize(3);
        }
    }

    @Test
    void cachedPrefixIsReused() {
        try (Generator g = new Generator(loaded.model(), loaded.tokenizer(), 128, pool, false, 8)) {
            int[] p = prompt("The same prompt twice");
            GenerationResult first = g.generate(p, GenerationOptions.greedy(5), new GenerationListener() {});
            GenerationResult second = g.generate(p, GenerationOptions.greedy(5), new GenerationListener() {});
            assertThat(first.promptTokensEvaluated()).isEqualTo(p.length);
            assertThat(second.promptTokensEvaluated()).isEqualTo(1);
            assertThat(second.tokens()).containsExactly(first.tokens());
        }
    }

    @Test
    void embeddingsAreNormalisedAndDeterministic() throws Exception {
        try (InferenceEngine engine = new InferenceEngine(loaded.model(), loaded.tokenizer(), pool, 1, 64, 8)) {
            engine.startLoop("embed-test");
            float[] a = engine.embed(prompt("a sentence to embed")).get(30, TimeUnit.SECONDS);
            float[] b = engine.embed(prompt("a sentence to embed")).get(30, TimeUnit.SECONDS);
            float[] c = engine.embed(prompt("something else entirely")).get(30, TimeUnit.SECONDS);
            double norm = 0;
            for (float x : a) {
                norm += x * x;
            }
            assertThat(a).hasSize(loaded.model().config().embeddingLength());
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(b).containsExactly(a);
            assertThat(c).isNotEqualTo(a);
        }
    }
}
