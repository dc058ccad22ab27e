package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QuantizerTest {

    // ---- hand-computed blocks -------------------------------------------------------------------------

    @Test
    void q8_0RoundsHalfwayAwayFromZero() {
        float[] x = new float[32];
        float[] head = {127f, 2.5f, -2.5f, 0.5f, -0.5f, 1.49f, -3.7f, 0f, 126.5f, -126.5f};
        System.arraycopy(head, 0, x, 0, head.length);
        byte[] block = Quantizer.quantize(GgmlType.Q8_0, x);
        // d = 127 / 127 = 1.0 (binary16 0x3C00), q = roundf(x / d).
        assertThat(block).hasSize(34);
        assertThat(block[0]).isEqualTo((byte) 0x00);
        assertThat(block[1]).isEqualTo((byte) 0x3C);
        assertThat(slice(block, 2, 12)).containsExactly(127, 3, -3, 1, -1, 1, -4, 0, 127, -127);
        assertThat(slice(block, 12, 34)).containsOnly((byte) 0);
    }

    @Test
    void q8_0ScaleComesFromTheLargestMagnitude() {
        float[] x = new float[32];
        x[3] = -63.5f; // amax 63.5: d = 0.5 (0x3800), id = 2
        x[4] = 31.75f; // 63.5 -> 64
        x[5] = -0.25f; // -0.5 -> -1
        x[6] = 0.2f; // 0.4 -> 0
        byte[] block = Quantizer.quantize(GgmlType.Q8_0, x);
        assertThat(block[0]).isEqualTo((byte) 0x00);
        assertThat(block[1]).isEqualTo((byte) 0x38);
        assertThat(slice(block, 2, 10)).containsExactly(0, 0, 0, -127, 64, -1, 0, 0);
    }

    @Test
    void q4_0MapsTheLargestMagnitudeToQuantZero() {
        float[] x = new float[32];
        // Largest magnitude -8: d = -8 / -8 = 1.0, q = min(15, trunc(x + 8.5)).
        float[] low = {-8f, 7f, 7.6f, 0f, -0.5f, -0.51f, 0.49f, 0.5f, -7.9f};
        System.arraycopy(low, 0, x, 0, low.length);
        x[16] = 3.2f; // high nibble of byte 0: trunc(11.7) = 11
        x[17] = -3.2f; // trunc(5.3) = 5
        byte[] block = Quantizer.quantize(GgmlType.Q4_0, x);
        assertThat(block).hasSize(18);
        assertThat(block[0]).isEqualTo((byte) 0x00);
        assertThat(block[1]).isEqualTo((byte) 0x3C);
        int[] lowNibbles = new int[16];
        int[] highNibbles = new int[16];
        for (int j = 0; j < 16; j++) {
            lowNibbles[j] = block[2 + j] & 0x0F;
            highNibbles[j] = (block[2 + j] & 0xFF) >>> 4;
        }
        assertThat(lowNibbles).containsExactly(0, 15, 15, 8, 8, 7, 8, 9, 0, 8, 8, 8, 8, 8, 8, 8);
        assertThat(highNibbles).containsExactly(11, 5, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8);
    }

    @Test
    void q4_0WithAPositiveExtremeHasANegativeScale() {
        float[] x = new float[32];
        x[0] = 8f; // first of the two largest magnitudes: d = 8 / -8 = -1 (0xBC00), id = -1
        x[1] = -8f; // 8 + 8.5 = 16.5 -> 16, clamped to 15
        x[2] = -7f; // 15.5 -> 15
        x[3] = 2f; // 6.5 -> 6
        byte[] block = Quantizer.quantize(GgmlType.Q4_0, x);
        assertThat(block[0]).isEqualTo((byte) 0x00);
        assertThat(block[1]).isEqualTo((byte) 0xBC);
        assertThat(slice(block, 2, 6)).containsExactly((byte) 0x80, (byte) 0x8F, (byte) 0x8F, (byte) 0x86);
        float[] back = new float[32];
        TensorKernels.scalar(GgmlType.Q4_0).dequantize(MemorySegment.ofArray(block), 0, back, 0, 32);
        assertThat(back[0]).isEqualTo(8f);
        assertThat(back[1]).isEqualTo(-7f); // the clamp costs one step
        assertThat(back[3]).isEqualTo(2f);
    }

    @Test
    void cRoundingHelpers() {
        assertThat(Quantizer.roundf(2.5f)).isEqualTo(3f);
        assertThat(Quantizer.roundf(-2.5f)).isEqualTo(-3f);
        assertThat(Quantizer.roundf(0.49999997f)).isEqualTo(0f);
        assertThat(Quantizer.roundf(-0.49999997f)).isEqualTo(-0f);
        assertThat(Quantizer.roundf(8388609f)).isEqualTo(8388609f);
        // nearest_int rounds ties to even, like the FPU.
        assertThat(Quantizer.nearestInt(2.5f)).isEqualTo(2);
        assertThat(Quantizer.nearestInt(3.5f)).isEqualTo(4);
        assertThat(Quantizer.nearestInt(-2.5f)).isEqualTo(-2);
        assertThat(Quantizer.nearestInt(-2.6f)).isEqualTo(-3);
        assertThat(Quantizer.nearestInt(4194303f)).isEqualTo(4194303);
    }

    // ---- round trips ----------------------------------------------------------------------------------

    /** Gaussian rows at four scales (binary16 subnormal scales to large values): per-element and RMS error. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void roundTripErrorIsBounded(GgmlType type) {
        Random random = new Random(11);
        int n = 4096;
        for (double sigma : new double[] {1e-3, 0.02, 1, 300}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (random.nextGaussian() * sigma);
            }
            x[5] = 0f;
            byte[] bytes = Quantizer.quantize(type, x);
            assertThat((long) bytes.length).isEqualTo(type.byteSize(n));
            float[] back = new float[n];
            TensorKernels.scalar(type).dequantize(MemorySegment.ofArray(bytes), 0, back, 0, n);
            double sumSq = 0;
            double errSq = 0;
            for (int i = 0; i < n; i++) {
                double err = Math.abs((double) back[i] - x[i]);
                sumSq += (double) x[i] * x[i];
                errSq += err * err;
                assertThat(err).as("%s sigma %s element %d: %s -> %s", type, sigma, i, x[i], back[i])
                        .isLessThanOrEqualTo(maxError(type, x, i));
            }
            double relativeRms = Math.sqrt(errSq / sumSq);
            assertThat(relativeRms).as("%s sigma %s relative RMS error", type, sigma)
                    .isLessThanOrEqualTo(switch (type) {
                        case F32 -> 0;
                        case F16 -> 3e-4;
                        case BF16 -> 2.5e-3;
                        case Q8_0 -> 0.007;
                        case Q4_0 -> 0.11;
                        case Q4_K -> 0.09;
                        case Q6_K -> 0.025;
                        default -> throw new AssertionError(type);
                    });
        }
    }

    /** Per-element bound: half a quantization step (one where ggml clamps), plus binary16 scale rounding. */
    private static double maxError(GgmlType type, float[] x, int i) {
        double v = Math.abs(x[i]);
        return switch (type) {
            case F32 -> 0;
            case F16 -> Math.max(v * 0x1p-11, 0x1p-25);
            case BF16 -> v * 0x1p-8 + Float.MIN_VALUE;
            case Q8_0 -> {
                double d = blockMax(x, i, 32) / 127;
                yield (0.5 * d + 127 * halfRounding(d)) * 1.0001;
            }
            case Q4_0 -> {
                double d = blockMax(x, i, 32) / 8;
                yield (d + 8 * halfRounding(d)) * 1.0001; // a whole step where q = 16 is clamped to 15
            }
            // K-quants fit scale and min per sub-block; bound by a step of the coarsest possible grid.
            case Q4_K -> 2 * blockRange(x, i, 32) / 15 + 1e-6 * blockMax(x, i, 256);
            case Q6_K -> 2 * blockMax(x, i, 16) / 32 + 1e-6 * blockMax(x, i, 256);
            default -> throw new AssertionError(type);
        };
    }

    /** The largest error of rounding {@code d} to binary16 (subnormal spacing below 2^-14). */
    private static double halfRounding(double d) {
        return Math.max(d * 0x1p-11, 0x1p-25);
    }

    private static double blockMax(float[] x, int i, int block) {
        double m = 0;
        for (int j = i - i % block; j < i - i % block + block; j++) {
            m = Math.max(m, Math.abs(x[j]));
        }
        return m;
    }

    private static double blockRange(float[] x, int i, int block) {
        double lo = 0;
        double hi = 0;
        for (int j = i - i % block; j < i - i % block + block; j++) {
            lo = Math.min(lo, x[j]);
            hi = Math.max(hi, x[j]);
        }
        return hi - lo;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void zerosStayZero(GgmlType type) {
        float[] x = new float[512];
        byte[] bytes = Quantizer.quantize(type, x);
        float[] back = new float[512];
        TensorKernels.scalar(type).dequantize(MemorySegment.ofArray(bytes), 0, back, 0, 512);
        for (float v : back) {
            assertThat(v == 0f).as("%s", v).isTrue(); // -0.0 where ggml's arithmetic gives it (Q4_0: d = 0 / -8)
        }
    }

    @Test
    void quantizesIntoASegmentAtAnOffset() {
        Random random = new Random(5);
        float[] x = RandomTensors.gaussian(600, random);
        byte[] expected = Quantizer.quantize(GgmlType.Q6_K, java.util.Arrays.copyOfRange(x, 44, 44 + 512));
        MemorySegment dst = MemorySegment.ofArray(new byte[7 + expected.length]);
        Quantizer.quantize(GgmlType.Q6_K, x, 44, 512, dst, 7);
        assertThat(dst.asSlice(7).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
    }

    @Test
    void badArguments() {
        assertThat(Quantizer.canQuantize(GgmlType.Q3_K)).isFalse();
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.IQ2_XXS, new float[256]))
                .isInstanceOf(UnsupportedTensorTypeException.class)
                .hasMessage("tensor type IQ2_XXS is not supported yet");
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q4_K, new float[255]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole number of Q4_K blocks");
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q8_0, new float[64], 40, 32,
                MemorySegment.ofArray(new byte[68]), 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q8_0, new float[64], 0, 64,
                MemorySegment.ofArray(new byte[67]), 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }
}
