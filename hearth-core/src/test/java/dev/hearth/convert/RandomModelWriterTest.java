package dev.hearth.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.engine.ComputePool;
import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufKeys;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.model.Architectures;
import dev.hearth.model.InferenceState;
import dev.hearth.model.Model;
import dev.hearth.model.Transformer;
import dev.hearth.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RandomModelWriterTest {

    @TempDir
    Path dir;

    /** Each weight type: the file follows the mix, loads, tokenizes, and a forward pass gives finite logits. */
    @ParameterizedTest
    @CsvSource({"F16, F16, F16", "Q8_0, Q8_0, Q8_0", "Q4_0, Q4_0, Q6_K", "Q4_K_M, Q4_K, Q6_K"})
    void tinyModelOfEachTypeLoadsAndRuns(String typeName, GgmlType base, GgmlType output) throws IOException {
        FileType type = FileType.parse(typeName);
        ModelShape shape = ModelShape.named("tiny");
        Path out = dir.resolve("tiny.gguf");
        RandomModelWriter.write(shape, type, out, 7);
        try (GgufFile file = GgufFile.open(out); ComputePool pool = new ComputePool(2)) {
            assertThat(file.getInt(GgufKeys.GENERAL_FILE_TYPE)).isEqualTo(type.llamaFileType());
            assertThat(file.getInt(GgufKeys.GENERAL_QUANTIZATION_VERSION)).isEqualTo(2);
            long weights = 0;
            for (GgufTensorInfo t : file.tensors()) {
                assertThat(file.tensorFileOffset(t) % file.alignment()).isZero();
                if (t.dimensions() == 1) {
                    assertThat(t.type()).as(t.name()).isEqualTo(GgmlType.F32);
                    continue;
                }
                weights += t.elementCount();
                GgmlType expected = t.name().equals("token_embd.weight") ? output
                        : type == FileType.Q4_K_M && FileType.useMoreBits(FileType.layerIndex(t.name()), shape.blockCount())
                                && (t.name().contains("attn_v") || t.name().contains("ffn_down")) ? GgmlType.Q6_K : base;
                assertThat(t.type()).as(t.name()).isEqualTo(expected);
            }
            assertThat(weights).isEqualTo(shape.parameterCount());
            assertThat(file.findTensor("output.weight")).as("tied output").isEmpty();

            Tokenizer tokenizer = Tokenizer.fromGguf(file);
            int[] tokens = tokenizer.encode("hello world, hello", false, false);
            assertThat(tokens).isNotEmpty();
            for (int t : tokens) {
                assertThat(t).isBetween(0, shape.vocabSize() - 1);
            }

            Model model = Architectures.load(file);
            InferenceState state = new InferenceState(model.config(), 16, tokens.length, 1, pool.threads());
            Transformer.forward(model, state, pool, tokens, 0, tokens.length, false);
            for (int i = 0; i < shape.vocabSize(); i++) {
                assertThat(Float.isFinite(state.logits()[i])).as("logit %d", i).isTrue();
            }
        }
    }

    @Test
    void sameSeedSameFile() throws IOException {
        ModelShape shape = ModelShape.named("tiny");
        RandomModelWriter.write(shape, FileType.Q4_0, dir.resolve("a.gguf"), 3);
        RandomModelWriter.write(shape, FileType.Q4_0, dir.resolve("b.gguf"), 3);
        RandomModelWriter.write(shape, FileType.Q4_0, dir.resolve("c.gguf"), 4);
        assertThat(Files.mismatch(dir.resolve("a.gguf"), dir.resolve("b.gguf"))).isEqualTo(-1L);
        assertThat(Files.mismatch(dir.resolve("a.gguf"), dir.resolve("c.gguf"))).isNotEqualTo(-1L);
    }

    /** The benchmark shape of the issue: Llama 3.2 1B, 1.24 B parameters, vocabulary 128256, tied output. */
    @Test
    void llama32OneBShape() {
        ModelShape s = ModelShape.named("llama-3.2-1b");
        // llama.cpp reports 1,235,814,400: these weights plus 33 norm vectors of 2048.
        assertThat(s.parameterCount() + 33 * 2048).isEqualTo(1_235_814_400L);
        assertThat(s.vocabSize()).isEqualTo(128256);
        assertThat(s.tiedOutput()).isTrue();
        assertThatThrownBy(() -> ModelShape.named("nope")).hasMessageContaining("llama-3.2-1b");
    }
}
