package dev.hearth.tensor;

import static dev.hearth.tensor.TensorBytes.FLOAT_LE;
import static dev.hearth.tensor.TensorBytes.SHORT_LE;
import static dev.hearth.tensor.TensorBytes.f16;
import static dev.hearth.tensor.TensorBytes.i32;
import static dev.hearth.tensor.TensorBytes.i8;
import static dev.hearth.tensor.TensorBytes.u16;
import static dev.hearth.tensor.TensorBytes.u8;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference dequantization for every supported type, written from the block layouts of ggml's
 * {@code ggml-common.h} and the {@code dequantize_row_*} functions of {@code ggml-quants.c}.
 *
 * <p>Each value is computed with the same float operations, in the same order, as ggml's reference C code
 * (for example Q4_K's {@code (d * sc) * q - dmin * m}), so the results are bit-identical to llama.cpp's.
 * Integer parts are computed exactly in int and converted to float where C converts them.
 */
final class ScalarKernels {

    private ScalarKernels() {
    }

    /** The non-linear 4-bit codebook of IQ4_NL and IQ4_XS ({@code kvalues_iq4nl} in ggml-common.h). */
    static final byte[] IQ4NL_VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    /** The kernel for {@code type}, or null when there is none. */
    static BlockKernel forType(GgmlType type) {
        return switch (type) {
            case F32 -> new F32();
            case F16 -> new F16();
            case BF16 -> new BF16();
            case Q4_0 -> new Q4_0();
            case Q4_1 -> new Q4_1();
            case Q5_0 -> new Q5_0();
            case Q5_1 -> new Q5_1();
            case Q8_0 -> new Q8_0();
            case Q2_K -> new Q2_K();
            case Q3_K -> new Q3_K();
            case Q4_K -> new Q4_K();
            case Q5_K -> new Q5_K();
            case Q6_K -> new Q6_K();
            case IQ4_NL -> new IQ4_NL();
            case IQ4_XS -> new IQ4_XS();
            default -> null;
        };
    }

    // ---- plain floats: one element per "block"; dequantize and dot loop directly -----------------------

    /** Plain element types: same semantics as {@link BlockKernel}, without the per-block indirection. */
    private abstract static class PlainKernel extends BlockKernel {
        PlainKernel(GgmlType type) {
            super(type);
        }

        abstract float element(MemorySegment data, long offset);

        @Override
        final void dequantizeBlock(MemorySegment data, long offset, float[] out, int outOffset) {
            out[outOffset] = element(data, offset);
        }

        @Override
        public final void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int n) {
            checkRow(type(), data, byteOffset, out, outOffset, n);
            for (int i = 0; i < n; i++) {
                out[outOffset + i] = element(data, byteOffset + (long) i * typeSize);
            }
        }

        @Override
        public final float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(type(), data, byteOffset, x, xOffset, n);
            float sum = 0f;
            for (int i = 0; i < n; i++) {
                sum += element(data, byteOffset + (long) i * typeSize) * x[xOffset + i];
            }
            return sum;
        }
    }

    static final class F32 extends PlainKernel {
        F32() {
            super(GgmlType.F32);
        }

        @Override
        float element(MemorySegment data, long offset) {
            return data.get(FLOAT_LE, offset);
        }
    }

    static final class F16 extends PlainKernel {
        F16() {
            super(GgmlType.F16);
        }

        @Override
        float element(MemorySegment data, long offset) {
            return Float16.toFloat(data.get(SHORT_LE, offset));
        }
    }

    static final class BF16 extends PlainKernel {
        BF16() {
            super(GgmlType.BF16);
        }

        @Override
        float element(MemorySegment data, long offset) {
            return BFloat16.toFloat(data.get(SHORT_LE, offset));
        }
    }

    // ---- 32-element blocks ------------------------------------------------------------------------------

    /** block_q4_0: fp16 d, 16 bytes of nibbles; element j is the low nibble of byte j, j+16 the high one. */
    static final class Q4_0 extends BlockKernel {
        Q4_0() {
            super(GgmlType.Q4_0);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            for (int j = 0; j < 16; j++) {
                int q = u8(data, offset + 2 + j);
                out[o + j] = ((q & 0x0F) - 8) * d;
                out[o + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /** block_q4_1: fp16 d, fp16 m, 16 bytes of nibbles; value = q * d + m. */
    static final class Q4_1 extends BlockKernel {
        Q4_1() {
            super(GgmlType.Q4_1);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            float m = f16(data, offset + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(data, offset + 4 + j);
                out[o + j] = (q & 0x0F) * d + m;
                out[o + j + 16] = (q >>> 4) * d + m;
            }
        }
    }

    /** block_q5_0: fp16 d, 32-bit mask of fifth bits (bit j for element j), 16 bytes of low nibbles. */
    static final class Q5_0 extends BlockKernel {
        Q5_0() {
            super(GgmlType.Q5_0);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            int qh = i32(data, offset + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(data, offset + 6 + j);
                int low = (q & 0x0F) | (((qh >>> j) & 1) << 4);
                int high = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
                out[o + j] = (low - 16) * d;
                out[o + j + 16] = (high - 16) * d;
            }
        }
    }

    /** block_q5_1: fp16 d, fp16 m, fifth-bit mask, low nibbles; value = q * d + m. */
    static final class Q5_1 extends BlockKernel {
        Q5_1() {
            super(GgmlType.Q5_1);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            float m = f16(data, offset + 2);
            int qh = i32(data, offset + 4);
            for (int j = 0; j < 16; j++) {
                int q = u8(data, offset + 8 + j);
                int low = (q & 0x0F) | (((qh >>> j) & 1) << 4);
                int high = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
                out[o + j] = low * d + m;
                out[o + j + 16] = high * d + m;
            }
        }
    }

    /** block_q8_0: fp16 d, 32 signed bytes. */
    static final class Q8_0 extends BlockKernel {
        Q8_0() {
            super(GgmlType.Q8_0);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            for (int j = 0; j < 32; j++) {
                out[o + j] = i8(data, offset + 2 + j) * d;
            }
        }
    }

    /** block_iq4_nl: fp16 d, 16 bytes of nibbles indexing {@link #IQ4NL_VALUES}; layout as Q4_0. */
    static final class IQ4_NL extends BlockKernel {
        IQ4_NL() {
            super(GgmlType.IQ4_NL);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            for (int j = 0; j < 16; j++) {
                int q = u8(data, offset + 2 + j);
                out[o + j] = d * IQ4NL_VALUES[q & 0x0F];
                out[o + j + 16] = d * IQ4NL_VALUES[q >>> 4];
            }
        }
    }

    // ---- 256-element super-blocks (K-quants, IQ4_XS) -----------------------------------------------------

    /**
     * block_q2_K (84 bytes): 16 scale/min bytes (low nibble scale, high nibble min, one per 16 elements),
     * 64 bytes of 2-bit quants, fp16 d, fp16 dmin. Quant byte {@code 32h + l} holds, at bit {@code 2j},
     * element {@code 128h + 32j + l} (l < 32); value = (d * scale) * q - dmin * min.
     */
    static final class Q2_K extends BlockKernel {
        Q2_K() {
            super(GgmlType.Q2_K);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset + 80);
            float dmin = f16(data, offset + 82);
            int y = o;
            int is = 0;
            for (int h = 0; h < 2; h++) {
                long q = offset + 16 + 32 * h;
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int half = 0; half < 2; half++) {
                        int sc = u8(data, offset + is++);
                        float dl = d * (sc & 0x0F);
                        float ml = dmin * (sc >>> 4);
                        for (int l = 0; l < 16; l++) {
                            out[y++] = dl * ((u8(data, q + 16 * half + l) >>> shift) & 3) - ml;
                        }
                    }
                }
            }
        }
    }

    /**
     * block_q3_K (110 bytes): 32 bytes high-bit mask, 64 bytes of low 2 bits, 12 bytes packing sixteen 6-bit
     * scales (biased by 32), fp16 d. Element {@code 128h + 32j + l} has its low bits at bit {@code 2j} of
     * byte {@code 32h + l} and its high bit at bit {@code 4h + j} of mask byte {@code l}; a clear high bit
     * means "minus 4".
     */
    static final class Q3_K extends BlockKernel {
        Q3_K() {
            super(GgmlType.Q3_K);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float dAll = f16(data, offset + 108);
            long hmask = offset;
            long scales = offset + 96;
            int y = o;
            int is = 0;
            int m = 1;
            for (int h = 0; h < 2; h++) {
                long q = offset + 32 + 32 * h;
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int half = 0; half < 2; half++) {
                        float dl = dAll * (q3kScale(data, scales, is++) - 32);
                        for (int l = 16 * half; l < 16 * half + 16; l++) {
                            int low = (u8(data, q + l) >>> shift) & 3;
                            int minus = (u8(data, hmask + l) & m) != 0 ? 0 : 4;
                            out[y++] = dl * (low - minus);
                        }
                    }
                    m <<= 1;
                }
            }
        }

        /** Scale {@code j} (0..15, unbiased 0..63): low 4 bits from bytes 0..7, high 2 bits from bytes 8..11. */
        static int q3kScale(MemorySegment data, long scales, int j) {
            int low = j < 8 ? u8(data, scales + j) & 0x0F : u8(data, scales + j - 8) >>> 4;
            int high = (u8(data, scales + 8 + (j & 3)) >>> (2 * (j >>> 2))) & 3;
            return low | (high << 4);
        }
    }

    /**
     * The 6-bit scale (or, with {@code min}, the 6-bit min) of sub-block {@code j} (0..7) of a Q4_K/Q5_K
     * super-block, packed in 12 bytes ({@code get_scale_min_k4}).
     */
    static int scaleMinK4(MemorySegment data, long scales, int j, boolean min) {
        if (j < 4) {
            return u8(data, scales + j + (min ? 4 : 0)) & 63;
        }
        int packed = u8(data, scales + j + 4);
        int top = u8(data, scales + j - (min ? 0 : 4)) >>> 6;
        return (min ? packed >>> 4 : packed & 0x0F) | (top << 4);
    }

    /**
     * block_q4_K (144 bytes): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins for eight 32-element
     * sub-blocks, 128 bytes of nibbles. Byte {@code 32g + l} holds element {@code 64g + l} (low nibble) and
     * {@code 64g + 32 + l} (high); value = (d * scale) * q - dmin * min.
     */
    static final class Q4_K extends BlockKernel {
        Q4_K() {
            super(GgmlType.Q4_K);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            float dmin = f16(data, offset + 2);
            long scales = offset + 4;
            for (int g = 0; g < 4; g++) {
                float d1 = d * scaleMinK4(data, scales, 2 * g, false);
                float m1 = dmin * scaleMinK4(data, scales, 2 * g, true);
                float d2 = d * scaleMinK4(data, scales, 2 * g + 1, false);
                float m2 = dmin * scaleMinK4(data, scales, 2 * g + 1, true);
                long q = offset + 16 + 32 * g;
                int y = o + 64 * g;
                for (int l = 0; l < 32; l++) {
                    out[y + l] = d1 * (u8(data, q + l) & 0x0F) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    out[y + 32 + l] = d2 * (u8(data, q + l) >>> 4) - m2;
                }
            }
        }
    }

    /**
     * block_q5_K (176 bytes): like Q4_K with 32 bytes of fifth bits after the scales: bit {@code 2g} of
     * byte {@code l} belongs to element {@code 64g + l}, bit {@code 2g + 1} to {@code 64g + 32 + l}.
     */
    static final class Q5_K extends BlockKernel {
        Q5_K() {
            super(GgmlType.Q5_K);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            float dmin = f16(data, offset + 2);
            long scales = offset + 4;
            long qh = offset + 16;
            for (int g = 0; g < 4; g++) {
                float d1 = d * scaleMinK4(data, scales, 2 * g, false);
                float m1 = dmin * scaleMinK4(data, scales, 2 * g, true);
                float d2 = d * scaleMinK4(data, scales, 2 * g + 1, false);
                float m2 = dmin * scaleMinK4(data, scales, 2 * g + 1, true);
                long ql = offset + 48 + 32 * g;
                int y = o + 64 * g;
                for (int l = 0; l < 32; l++) {
                    int q = (u8(data, ql + l) & 0x0F) | (((u8(data, qh + l) >>> (2 * g)) & 1) << 4);
                    out[y + l] = d1 * q - m1;
                }
                for (int l = 0; l < 32; l++) {
                    int q = (u8(data, ql + l) >>> 4) | (((u8(data, qh + l) >>> (2 * g + 1)) & 1) << 4);
                    out[y + 32 + l] = d2 * q - m2;
                }
            }
        }
    }

    /**
     * block_q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of high bit pairs, 16 signed 8-bit scales
     * (one per 16 elements), fp16 d. In half {@code h} (128 elements), for l < 32 and k = 0..3, element
     * {@code 128h + 32k + l} takes the low (k < 2) or high (k >= 2) nibble of {@code ql[64h + 32(k & 1) + l]},
     * bits {@code 2k, 2k+1} of {@code qh[32h + l]} and scale {@code 8h + 2k + l / 16}; value =
     * (d * scale) * (q - 32).
     */
    static final class Q6_K extends BlockKernel {
        Q6_K() {
            super(GgmlType.Q6_K);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset + 208);
            for (int h = 0; h < 2; h++) {
                long ql = offset + 64 * h;
                long qh = offset + 128 + 32 * h;
                long sc = offset + 192 + 8 * h;
                int y = o + 128 * h;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int low0 = u8(data, ql + l);
                    int low1 = u8(data, ql + l + 32);
                    int high = u8(data, qh + l);
                    int q1 = ((low0 & 0x0F) | ((high & 3) << 4)) - 32;
                    int q2 = ((low1 & 0x0F) | (((high >>> 2) & 3) << 4)) - 32;
                    int q3 = ((low0 >>> 4) | (((high >>> 4) & 3) << 4)) - 32;
                    int q4 = ((low1 >>> 4) | (((high >>> 6) & 3) << 4)) - 32;
                    out[y + l] = d * i8(data, sc + is) * q1;
                    out[y + l + 32] = d * i8(data, sc + is + 2) * q2;
                    out[y + l + 64] = d * i8(data, sc + is + 4) * q3;
                    out[y + l + 96] = d * i8(data, sc + is + 6) * q4;
                }
            }
        }
    }

    /**
     * block_iq4_xs (136 bytes): fp16 d, 16 bits of scale high pairs, 4 bytes of scale low nibbles (6-bit
     * scales biased by 32, one per 32 elements), 128 bytes of nibbles indexing {@link #IQ4NL_VALUES}, laid
     * out per 32-element sub-block as in IQ4_NL.
     */
    static final class IQ4_XS extends BlockKernel {
        IQ4_XS() {
            super(GgmlType.IQ4_XS);
        }

        @Override
        void dequantizeBlock(MemorySegment data, long offset, float[] out, int o) {
            float d = f16(data, offset);
            int scalesHigh = u16(data, offset + 2);
            for (int ib = 0; ib < 8; ib++) {
                int low = (u8(data, offset + 4 + ib / 2) >>> (4 * (ib % 2))) & 0x0F;
                int ls = low | (((scalesHigh >>> (2 * ib)) & 3) << 4);
                float dl = d * (ls - 32);
                long qs = offset + 8 + 16 * ib;
                int y = o + 32 * ib;
                for (int j = 0; j < 16; j++) {
                    int q = u8(data, qs + j);
                    out[y + j] = dl * IQ4NL_VALUES[q & 0x0F];
                    out[y + j + 16] = dl * IQ4NL_VALUES[q >>> 4];
                }
            }
        }
    }
}
