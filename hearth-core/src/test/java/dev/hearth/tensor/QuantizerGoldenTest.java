package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The quantized llama-spm test models were made by llama.cpp's llama-quantize (no importance matrix) from
 * llama-spm-f32.gguf. Quantizing the f32 model's tensors with {@link Quantizer} must give the very same
 * bytes, for every tensor whose type Quantizer produces.
 */
@Tag("slow") // quantizes the whole f32 model eight times
class QuantizerGoldenTest {

    /** Each model and the types Quantizer can produce that it holds (its output.weight is Q6_K or Q8_0). */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"llama-spm-Q8_0.gguf; Q8_0", "llama-spm-Q4_0.gguf; Q4_0 Q6_K",
        "llama-spm-Q4_K_M.gguf; Q4_K Q6_K", "llama-spm-Q5_K_M.gguf; Q5_K Q6_K", "llama-spm-Q6_K.gguf; Q6_K", "llama-spm-F16.gguf; F16",
        "llama-spm-BF16.gguf; BF16", "llama-spm-IQ4_NL.gguf; Q6_K"})
    void quantizingTheF32ModelReproducesLlamaQuantize(String model, String types) throws IOException {
        Path dir = GoldenDequantTest.testdata().resolve("models");
        Map<GgmlType, Integer> compared = new EnumMap<>(GgmlType.class);
        List<String> failures = new ArrayList<>();
        try (GgufFile source = GgufFile.open(dir.resolve("llama-spm-f32.gguf"));
                GgufFile quantized = GgufFile.open(dir.resolve(model))) {
            for (GgufTensorInfo info : quantized.tensors()) {
                GgmlType type = info.type();
                if (type == GgmlType.F32 || !Quantizer.canQuantize(type)) {
                    continue;
                }
                GgufTensorInfo src = source.tensor(info.name());
                assertThat(src.type()).isEqualTo(GgmlType.F32);
                int n = (int) src.elementCount();
                float[] values = new float[n];
                TensorKernels.scalar(GgmlType.F32).dequantize(source.tensorData(src), 0, values, 0, n);
                byte[] expected = quantized.tensorData(info).toArray(ValueLayout.JAVA_BYTE);
                byte[] actual = Quantizer.quantize(type, values);
                long mismatch = MemorySegment.ofArray(expected).mismatch(MemorySegment.ofArray(actual));
                if (mismatch >= 0) {
                    long block = mismatch / type.typeSize();
                    failures.add(info.name() + " (" + type + "): first difference at byte " + mismatch + " (block "
                            + block + ", byte " + mismatch % type.typeSize() + " in it)");
                }
                compared.merge(type, 1, Integer::sum);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(compared.keySet()).containsExactlyInAnyOrder(
                Arrays.stream(types.split(" ")).map(GgmlType::valueOf).toArray(GgmlType[]::new));
    }
}
