package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorKernelsTest {

    static final Set<GgmlType> SUPPORTED = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K,
            GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS);

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void supportedTypesHaveKernelsOthersAClearError(GgmlType type) {
        if (SUPPORTED.contains(type)) {
            assertThat(TensorKernels.isSupported(type)).isTrue();
            assertThat(TensorKernels.scalar(type).type()).isEqualTo(type);
            assertThat(TensorKernels.fastest(type).type()).isEqualTo(type);
        } else {
            assertThat(TensorKernels.isSupported(type)).isFalse();
            assertThatThrownBy(() -> TensorKernels.scalar(type)).isInstanceOf(UnsupportedTensorTypeException.class)
                    .hasMessage("tensor type " + type + " is not supported yet");
            assertThatThrownBy(() -> TensorKernels.fastest(type)).isInstanceOf(UnsupportedTensorTypeException.class);
        }
    }

    @Test
    void unsupportedMessageNamesTheType() {
        assertThatThrownBy(() -> TensorKernels.fastest(GgmlType.IQ2_XXS))
                .hasMessage("tensor type IQ2_XXS is not supported yet");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q4_0", "Q4_K", "Q6_K", "IQ4_XS"})
    void badArgumentsAreRejectedBeforeReading(GgmlType type) {
        for (RowKernel k : new RowKernel[] {TensorKernels.scalar(type), TensorKernels.fastest(type)}) {
            int bs = type.blockSize();
            MemorySegment data = MemorySegment.ofArray(new byte[type.typeSize() * 4]);
            float[] out = new float[bs * 4];
            if (bs > 1) {
                assertThatThrownBy(() -> k.dequantize(data, 0, out, 0, bs + 1))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole number of " + type);
                assertThatThrownBy(() -> k.dot(data, 1, out, 0, bs)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("block boundary");
            }
            assertThatThrownBy(() -> k.dequantize(data, 0, out, 1, bs * 4))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> k.dot(data, type.typeSize(), out, 0, bs * 4))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("tensor data has");
            assertThatThrownBy(() -> k.dot(data, -type.typeSize(), out, 0, bs))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> k.dot(data, 0, out, 0, -bs)).isInstanceOf(IllegalArgumentException.class);
            assertThat(k.dot(data, 0, out, 0, 0)).isZero();
        }
    }

    /** The F16 and BF16 test models hold the f32 model's weights, rounded as ggml rounds them. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16"})
    void halfPrecisionModelsAreTheRoundedF32Model(GgmlType type) throws IOException {
        var dir = GoldenDequantTest.testdata().resolve("models");
        int compared = 0;
        try (GgufFile f32 = GgufFile.open(dir.resolve("llama-spm-f32.gguf"));
                GgufFile half = GgufFile.open(dir.resolve("llama-spm-" + type + ".gguf"))) {
            for (GgufTensorInfo info : half.tensors()) {
                if (info.type() != type) {
                    continue;
                }
                GgufTensorInfo source = f32.tensor(info.name());
                assertThat(source.type()).isEqualTo(GgmlType.F32);
                int n = (int) info.elementCount();
                float[] exact = new float[n];
                float[] rounded = new float[n];
                TensorKernels.scalar(GgmlType.F32).dequantize(f32.tensorData(source), 0, exact, 0, n);
                MemorySegment data = half.tensorData(info);
                TensorKernels.scalar(type).dequantize(data, 0, rounded, 0, n);
                for (int i = 0; i < n; i++) {
                    short bits = data.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i);
                    short expectedBits = type == GgmlType.F16
                            ? Float16.fromFloat(exact[i]) : BFloat16.fromFloat(exact[i]);
                    if (bits != expectedBits) {
                        throw new AssertionError(info.name() + "[" + i + "]: " + exact[i] + " stored as 0x"
                                + Integer.toHexString(bits & 0xFFFF) + ", expected 0x"
                                + Integer.toHexString(expectedBits & 0xFFFF));
                    }
                    float back = type == GgmlType.F16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
                    assertThat(rounded[i]).isEqualTo(back);
                }
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(10);
    }
}
