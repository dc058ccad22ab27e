package dev.hearth.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hearth.engine.ComputePool;
import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufKeys;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.model.Architectures;
import dev.hearth.model.InferenceState;
import dev.hearth.model.Model;
import dev.hearth.model.Transformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@link ModelQuantizer} against llama.cpp's {@code llama-quantize}: the llama-spm test models were quantized
 * from llama-spm-f32.gguf by llama-quantize (build 10587, no importance matrix), so quantizing the same file
 * must give the very same file, byte for byte: metadata order, tensor order, per-tensor type choice (the
 * Q4_K_M mix), offsets and alignment padding, and every quantized block (llama.cpp's reference rounding).
 */
class ModelQuantizerTest {
    private static final Path MODELS = Path.of(System.getProperty("hearth.testdata", "../testdata"), "models");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"Q4_0", "Q8_0", "Q4_K_M", "Q5_K_M", "F16", "BF16"})
    void quantizingTheF32ModelWritesLlamaQuantizesFile(String typeName) throws IOException {
        FileType type = FileType.parse(typeName);
        Path out = dir.resolve("out.gguf");
        ModelQuantizer.quantize(MODELS.resolve("llama-spm-f32.gguf"), out, type, 2);

        Path golden = MODELS.resolve("llama-spm-" + typeName + ".gguf");
        assertThat(Files.mismatch(out, golden)).as("first byte that differs from llama-quantize's file").isEqualTo(-1L);
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.getInt(GgufKeys.GENERAL_FILE_TYPE)).isEqualTo(type.llamaFileType());
            assertThat(f.getInt(GgufKeys.GENERAL_QUANTIZATION_VERSION)).isEqualTo(2);
            assertThat(f.dataOffset() % f.alignment()).isZero();
            int layers = f.getInt("llama.block_count");
            for (GgufTensorInfo t : f.tensors()) {
                assertThat(f.tensorFileOffset(t) % f.alignment()).as(t.name()).isZero();
                assertThat(t.type()).as(t.name()).isEqualTo(t.dimensions() == 1 ? GgmlType.F32
                        : type.tensorType(t.name(), t.dimensions(), t.rowLength(), layers, t.name().equals("output.weight")));
            }
        }
    }

    /**
     * The other architectures' test models were quantized from float32 files that are not in testdata, so
     * their weights cannot match; everything before the tensor data (metadata, tensor order, the type
     * llama.cpp chose for each tensor, Phi-3's fused attn_qkv and gate/up included; offsets) still must.
     */
    @ParameterizedTest
    @CsvSource({"llama3, Q8_0", "llama3, Q4_K_M", "qwen2, Q8_0", "qwen2, Q4_K_M", "qwen3, Q4_K_M", "gemma3, Q8_0",
        "gemma3, Q4_K_M", "phi3, Q8_0", "phi3, Q4_K_M"})
    void otherArchitecturesGetLlamaQuantizesHeader(String model, String typeName) throws IOException {
        Path out = dir.resolve("out.gguf");
        ModelQuantizer.quantize(MODELS.resolve(model + "-F16.gguf"), out, FileType.parse(typeName), 1);
        Path golden = MODELS.resolve(model + "-" + typeName + ".gguf");
        try (GgufFile ours = GgufFile.open(out); GgufFile theirs = GgufFile.open(golden)) {
            assertThat(ours.dataOffset()).isEqualTo(theirs.dataOffset());
            assertThat(Files.mismatch(out, golden)).as("first difference: in the tensor data")
                    .isGreaterThanOrEqualTo(ours.dataOffset());
            assertThat(ours.fileSize()).isEqualTo(theirs.fileSize());
        }
    }

    /**
     * A quantized model loads and runs: its logits stay near those of llama.cpp on the same weights. The last
     * position's logits come from the generation kernels, which quantize x to 8-bit blocks as llama.cpp does,
     * so the testdata README's rule for such engines applies: within 0.02 of llama.cpp's exact-activation
     * reference, or 1.5 times llama.cpp's own difference between its quantized and exact runs if larger.
     */
    @Test
    void quantizedModelLoadsAndRuns() throws IOException {
        Path out = dir.resolve("q4km.gguf");
        ModelQuantizer.quantize(MODELS.resolve("llama-spm-f32.gguf"), out, FileType.Q4_K_M, 2);
        Path data = Path.of(System.getProperty("hearth.testdata", "../testdata"));
        JsonNode reference = new ObjectMapper().readTree(
                data.resolve("reference-exact").resolve("llama-spm-Q4_K_M.json").toFile());
        JsonNode quantizedRun = new ObjectMapper().readTree(
                data.resolve("reference").resolve("llama-spm-Q4_K_M.json").toFile());
        JsonNode c = reference.get("cases").get(0);
        int[] prompt = new int[c.get("prompt_tokens").size()];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = c.get("prompt_tokens").get(i).asInt();
        }
        try (GgufFile file = GgufFile.open(out); ComputePool pool = new ComputePool(2)) {
            Model model = Architectures.load(file);
            InferenceState state = new InferenceState(model.config(), 64, prompt.length, 1, pool.threads());
            Transformer.forward(model, state, pool, prompt, 0, prompt.length, false);
            JsonNode top = c.get("prompt_top").get(prompt.length - 1);
            JsonNode theirQuantized = quantizedRun.get("cases").get(0).get("prompt_top").get(prompt.length - 1);
            double llamaCppOwn = 0;
            for (JsonNode pair : top) {
                for (JsonNode other : theirQuantized) {
                    if (other.get(0).asInt() == pair.get(0).asInt()) {
                        llamaCppOwn = Math.max(llamaCppOwn, Math.abs(other.get(1).asDouble() - pair.get(1).asDouble()));
                    }
                }
            }
            float tolerance = (float) Math.max(0.02, 1.5 * llamaCppOwn);
            for (JsonNode pair : top) {
                assertThat(state.logits()[pair.get(0).asInt()]).as("token %d (tolerance %.4f)", pair.get(0).asInt(),
                        tolerance).isCloseTo((float) pair.get(1).asDouble(), within(tolerance));
            }
        }
    }

    @Test
    void llamaCppOrderPutsGlobalTensorsFirstThenLayersNumerically() {
        List<String> names = new ArrayList<>(List.of("blk.10.attn_q.weight", "blk.2.ffn_up.weight", "output.weight",
                "blk.2.attn_k.weight", "token_embd.weight", "output_norm.weight"));
        List<GgufTensorInfo> infos = new ArrayList<>(names.stream()
                .map(n -> new GgufTensorInfo(n, GgmlType.F32, new long[] {1}, 0, 1, 4)).toList());
        infos.sort(ModelQuantizer::llamaCppOrder);
        assertThat(infos).extracting(GgufTensorInfo::name).containsExactly("output.weight", "output_norm.weight",
                "token_embd.weight", "blk.2.attn_k.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight");
    }
}
