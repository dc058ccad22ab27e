package dev.hearth.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.engine.ComputePool;
import dev.hearth.engine.GenerationListener;
import dev.hearth.engine.GenerationOptions;
import dev.hearth.engine.Generator;
import dev.hearth.gguf.GgufFile;
import dev.hearth.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Golden tests against llama.cpp (testdata/reference and reference-exact, see testdata/README.md): logits
 * at every prompt position, logits under teacher forcing of the reference's greedy tokens, and free-running
 * greedy tokens, for every model in testdata/models.
 *
 * <p>Hearth keeps activations in float32, so quantized models are compared with {@code reference-exact}
 * (llama.cpp on a float32 copy of the same quantized weights) within 0.02; F32 within 0.01, F16 within
 * 0.02 and BF16 within 0.06 of {@code reference}, as the README states.
 */
class GoldenLogitsTest {
    private static final Path DATA = Path.of(System.getProperty("hearth.testdata", "../testdata"));
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Free-running greedy output may diverge from the reference only where the top two are this close. */
    private static final double NEAR_TIE = 0.05;
    private static ComputePool pool;

    @BeforeAll
    static void startPool() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    static Stream<String> models() throws IOException {
        try (Stream<Path> files = Files.list(DATA.resolve("models"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".gguf")).sorted().toList().stream();
        }
    }

    record Expectation(JsonNode reference, double tolerance) {}

    static Expectation expectation(String model) throws IOException {
        String base = model.replace(".gguf", ".json");
        Path exact = DATA.resolve("reference-exact").resolve(base);
        if (Files.exists(exact)) {
            return new Expectation(JSON.readTree(exact.toFile()), 0.02);
        }
        double tolerance = model.contains("BF16") ? 0.06 : model.contains("F16") ? 0.02 : model.contains("f32") ? 0.01 : 0.02;
        return new Expectation(JSON.readTree(DATA.resolve("reference").resolve(base).toFile()), tolerance);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void logitsMatchLlamaCpp(String modelName) throws IOException {
        Expectation exp = expectation(modelName);
        try (GgufFile file = GgufFile.open(DATA.resolve("models").resolve(modelName))) {
            Model model = Architectures.load(file);
            Tokenizer tokenizer = Tokenizer.fromGguf(file);
            assertThat(model.config().vocabSize()).isEqualTo(exp.reference().get("n_vocab").asInt());
            List<String> failures = new ArrayList<>();
            double worst = 0;
            for (JsonNode c : exp.reference().get("cases")) {
                int[] prompt = ints(c.get("prompt_tokens"));
                int[] greedy = ints(c.get("greedy"));
                // Prompt tokens as the model's metadata says.
                assertThat(tokenizer.encode(c.get("prompt").asString(), tokenizer.addBosByDefault(), false))
                        .as("%s: prompt tokens of %s", modelName, c.get("prompt").asString())
                        .containsExactly(prompt);

                // One pass over prompt + greedy tokens (teacher forcing) with logits at every position.
                int[] seq = new int[prompt.length + greedy.length - 1];
                System.arraycopy(prompt, 0, seq, 0, prompt.length);
                System.arraycopy(greedy, 0, seq, prompt.length, greedy.length - 1);
                List<JsonNode> expected = new ArrayList<>();
                c.get("prompt_top").forEach(expected::add);
                for (int j = 1; j < greedy.length; j++) {
                    expected.add(c.get("greedy_top").get(j));
                }
                InferenceState st = new InferenceState(model.config(), 256, seq.length, seq.length, pool.threads());
                Transformer.forward(model, st, pool, seq, 0, seq.length, true);
                for (int pos = 0; pos < seq.length; pos++) {
                    for (JsonNode pair : expected.get(pos)) {
                        int id = pair.get(0).asInt();
                        double want = pair.get(1).asDouble();
                        double got = st.logits()[st.logitsOffset(pos) + id];
                        double diff = Math.abs(got - want);
                        worst = Math.max(worst, diff);
                        if (!(diff <= exp.tolerance())) {
                            failures.add(String.format("%s pos %d token %d: got %.4f want %.4f", c.get("prompt").asString()
                                    .substring(0, Math.min(12, c.get("prompt").asString().length())), pos, id, got, want));
                        }
                    }
                }

                // Free-running greedy generation: identical up to a near tie in the reference.
                try (Generator gen = new Generator(model, tokenizer, 256, pool, false, 32)) {
                    int[] ours = gen.generate(prompt, GenerationOptions.greedy(greedy.length), new GenerationListener() {}).tokens();
                    for (int j = 0; j < Math.min(ours.length, greedy.length); j++) {
                        if (ours[j] != greedy[j]) {
                            JsonNode top = c.get("greedy_top").get(j);
                            double gap = top.get(0).get(1).asDouble() - top.get(1).get(1).asDouble();
                            if (gap >= NEAR_TIE) {
                                failures.add("greedy step " + j + ": got " + ours[j] + " want " + greedy[j] + " (gap " + gap + ")");
                            }
                            break;
                        }
                    }
                }
            }
            System.out.printf("%s: largest logit difference %.4f (tolerance %.2f)%n", modelName, worst, exp.tolerance());
            assertThat(failures).as(modelName).isEmpty();
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
