package dev.hearth.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * llama.cpp's tokenizer test vectors (testdata/tokenizer, ids from each model's Hugging Face tokenizer): every
 * string must give exactly the expected ids without BOS and with special-token text as plain text; and the
 * tiny test models must tokenize the reference prompts and detokenize the reference generations as
 * llama.cpp did (testdata/reference).
 */
class GoldenTokenizationTest {

    private static List<Path> vocabFiles() throws IOException {
        try (Stream<Path> files = Files.list(TestData.root().resolve("tokenizer"))) {
            return files.filter(p -> p.toString().endsWith(".gguf") && Files.exists(Path.of(p + ".inp"))).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicNode> everyTestStringGivesTheExpectedIds() throws IOException {
        List<Path> files = vocabFiles();
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("ggml-vocab-llama-spm.gguf",
                "ggml-vocab-llama3-bpe.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-bert-bge.gguf");
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path file : files) {
            List<DynamicTest> tests = new ArrayList<>();
            for (TestData.Case c : TestData.cases(file)) {
                tests.add(DynamicTest.dynamicTest("#" + c.index() + " " + TestData.show(c.text()), () -> {
                    int[] ids = TestData.tokenizer(file).encode(c.text(), false, false);
                    assertThat(ids).as("ids of %s", TestData.show(c.text())).containsExactly(c.ids());
                }));
            }
            nodes.add(DynamicContainer.dynamicContainer(file.getFileName().toString(), tests));
        }
        return nodes.stream();
    }

    /** SentencePiece and byte-level BPE lose nothing: decoding the ids gives back the text. */
    @TestFactory
    Stream<DynamicNode> decodingTheIdsGivesBackTheText() throws IOException {
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path file : vocabFiles()) {
            if (file.getFileName().toString().contains("bert")) {
                continue; // WordPiece lowercases and strips accents
            }
            List<DynamicTest> tests = new ArrayList<>();
            for (TestData.Case c : TestData.cases(file)) {
                tests.add(DynamicTest.dynamicTest("#" + c.index() + " " + TestData.show(c.text()), () -> {
                    Tokenizer tok = TestData.tokenizer(file);
                    assertThat(tok.decode(c.ids())).isEqualTo(c.text());
                    assertThat(tok.decode(tok.encode(c.text(), true, false))).isEqualTo(c.text());
                }));
            }
            nodes.add(DynamicContainer.dynamicContainer(file.getFileName().toString(), tests));
        }
        return nodes.stream();
    }

    /** One file of each tiny model family; their vocabularies are real ones cut to 4096 pieces. */
    private static final List<String> MODELS = List.of("llama-spm-F16", "llama3-F16", "qwen2-F16", "qwen3-F16",
            "gemma3-F16", "phi3-F16", "llama-2-tiny-random");

    @TestFactory
    Stream<DynamicNode> tinyModelsMatchTheReferenceRuns() throws IOException {
        List<DynamicNode> nodes = new ArrayList<>();
        for (String model : MODELS) {
            Path json = TestData.root().resolve("reference").resolve(model + ".json");
            @SuppressWarnings("unchecked")
            Map<String, Object> ref = (Map<String, Object>) MiniJson.parse(Files.readString(json));
            List<DynamicTest> tests = new ArrayList<>();
            int n = 0;
            for (Object o : (List<?>) ref.get("cases")) {
                Map<?, ?> c = (Map<?, ?>) o;
                String prompt = (String) c.get("prompt");
                int[] promptIds = ints(c.get("prompt_tokens"));
                int[] greedy = ints(c.get("greedy"));
                byte[] greedyText = HexFormat.of().parseHex((String) c.get("greedy_text_hex"));
                int index = n++;
                tests.add(DynamicTest.dynamicTest("#" + index + " " + TestData.show(prompt), () -> {
                    Tokenizer tok = TestData.tokenizer(TestData.model(model));
                    assertThat(tok.encode(prompt, tok.addBosByDefault(), false)).containsExactly(promptIds);
                    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
                    for (int id : greedy) {
                        text.writeBytes(tok.decodeBytes(id));
                    }
                    assertThat(text.toByteArray()).as("detokenized generation").isEqualTo(greedyText);
                }));
            }
            nodes.add(DynamicContainer.dynamicContainer(model, tests));
        }
        return nodes.stream();
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(x -> ((Double) x).intValue()).toArray();
    }
}
