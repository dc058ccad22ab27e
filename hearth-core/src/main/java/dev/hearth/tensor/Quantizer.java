package dev.hearth.tensor;

import static dev.hearth.tensor.TensorBytes.FLOAT_LE;
import static dev.hearth.tensor.TensorBytes.SHORT_LE;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Float to tensor-type conversion, bit-identical to llama.cpp's reference quantizers (what
 * {@code llama-quantize} uses without an importance matrix): {@code quantize_row_q8_0_ref},
 * {@code quantize_row_q4_0_ref}, {@code quantize_row_q4_K_ref} and {@code quantize_row_q6_K_ref} of
 * ggml-quants.c, and ggml's F16/BF16 rounding. The same float operations run in the same order, and C's
 * {@code roundf} and ggml's {@code nearest_int} are reproduced exactly.
 *
 * <p>Supported targets: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K. Rows must be a whole number of blocks;
 * values should be finite (NaN and infinity give whatever ggml's arithmetic gives them).
 */
public final class Quantizer {

    private static final float GROUP_MAX_EPS = 1e-15f;

    private Quantizer() {
    }

    /** Whether {@link #quantize} can produce {@code type}. */
    public static boolean canQuantize(GgmlType type) {
        return switch (Objects.requireNonNull(type, "type")) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * {@code values} (a whole number of {@code type} blocks) in {@code type}'s layout.
     *
     * @throws UnsupportedTensorTypeException if {@code type} cannot be produced
     * @throws IllegalArgumentException if the length is not a whole number of blocks or the result would
     *     not fit a byte array
     */
    public static byte[] quantize(GgmlType type, float[] values) {
        long bytes = byteSize(type, values.length);
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(values.length + " " + type + " values take " + bytes
                    + " bytes, more than a byte array holds; quantize into a MemorySegment");
        }
        byte[] out = new byte[(int) bytes];
        quantize(type, values, 0, values.length, MemorySegment.ofArray(out), 0);
        return out;
    }

    /**
     * Quantizes {@code src[srcOffset, srcOffset + n)} into {@code dst} at {@code dstOffset}, writing
     * {@code type.byteSize(n)} bytes.
     *
     * @throws UnsupportedTensorTypeException if {@code type} cannot be produced
     * @throws IllegalArgumentException if {@code n} is not a whole number of blocks
     * @throws IndexOutOfBoundsException if a range falls outside {@code src} or {@code dst}
     */
    public static void quantize(GgmlType type, float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        long bytes = byteSize(type, n);
        Objects.checkFromIndexSize(srcOffset, n, src.length);
        Objects.checkFromIndexSize(dstOffset, bytes, dst.byteSize());
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(FLOAT_LE, dstOffset + 4L * i, src[srcOffset + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(SHORT_LE, dstOffset + 2L * i, Float16.fromFloat(src[srcOffset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(SHORT_LE, dstOffset + 2L * i, BFloat16.fromFloat(src[srcOffset + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    q8_0Block(src, srcOffset + 32 * b, dst, dstOffset + 34L * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    q4_0Block(src, srcOffset + 32 * b, dst, dstOffset + 18L * b);
                }
            }
            case Q4_K -> {
                KQuantScratch scratch = new KQuantScratch();
                for (int b = 0; b < n / 256; b++) {
                    q4_KBlock(src, srcOffset + 256 * b, dst, dstOffset + 144L * b, scratch);
                }
            }
            case Q5_K -> {
                KQuantScratch scratch = new KQuantScratch();
                for (int b = 0; b < n / 256; b++) {
                    q5_KBlock(src, srcOffset + 256 * b, dst, dstOffset + 176L * b, scratch);
                }
            }
            case Q6_K -> {
                KQuantScratch scratch = new KQuantScratch();
                for (int b = 0; b < n / 256; b++) {
                    q6_KBlock(src, srcOffset + 256 * b, dst, dstOffset + 210L * b, scratch);
                }
            }
            default -> throw new UnsupportedTensorTypeException(type);
        }
    }

    private static long byteSize(GgmlType type, int n) {
        if (!canQuantize(type)) {
            throw new UnsupportedTensorTypeException(type);
        }
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException(
                    n + " values is not a whole number of " + type + " blocks (" + type.blockSize() + " each)");
        }
        return type.byteSize(n);
    }

    // ---- helpers reproducing C semantics --------------------------------------------------------------

    /** C's {@code roundf}: to nearest, halfway cases away from zero. */
    static float roundf(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5); // exact: a float plus 0.5 fits a double
        return (float) Math.copySign(a, v);
    }

    /**
     * ggml's {@code nearest_int}: adds 1.5 * 2^23 so that the float unit rounds to an integer (ties to
     * even) and reads the integer from the significand. Valid for |v| up to 2^22 - 1.
     */
    static int nearestInt(float v) {
        float biased = v + 12582912f;
        return (Float.floatToRawIntBits(biased) & 0x007F_FFFF) - 0x0040_0000;
    }

    private static void putHalf(MemorySegment dst, long offset, float value) {
        dst.set(SHORT_LE, offset, Float16.fromFloat(value));
    }

    private static void putByte(MemorySegment dst, long offset, int value) {
        dst.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    // ---- Q8_0 and Q4_0 ------------------------------------------------------------------------------

    /** quantize_row_q8_0_ref: d = max|x| / 127, q = roundf(x / d). */
    private static void q8_0Block(float[] x, int xi, MemorySegment dst, long o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xi + j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        putHalf(dst, o, d);
        for (int j = 0; j < 32; j++) {
            putByte(dst, o + 2 + j, (int) roundf(x[xi + j] * id));
        }
    }

    /**
     * quantize_row_q4_0_ref: d = (the value of largest magnitude) / -8, so that value maps to quant 0;
     * q = min(15, trunc(x / d + 8.5)).
     */
    private static void q4_0Block(float[] x, int xi, MemorySegment dst, long o) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xi + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        putHalf(dst, o, d);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) (x[xi + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[xi + 16 + j] * id + 8.5f));
            putByte(dst, o + 2 + j, q0 | (q1 << 4));
        }
    }

    // ---- K-quants -----------------------------------------------------------------------------------

    /** Work arrays for one super-block, reused across blocks of one call. */
    private static final class KQuantScratch {
        final int[] quants = new int[256];
        final int[] aux = new int[32];
        final float[] weights = new float[32];
        final float[] scales = new float[16];
        final float[] mins = new float[16];
    }

    /**
     * make_qkx2_quants: fits x[i] ~ scale * q[i] - min with q in [0, nmax] (weighted least squares),
     * trying {@code nstep + 1} scales around nmax / (max - min). Returns the scale; {@code minOut[0]}
     * receives the min (positive: values are q * scale - min).
     */
    private static float makeQkx2Quants(int n, int nmax, float[] x, int xi, float[] weights, int[] quants, int qi,
            float[] minOut, int[] aux, float rmin, float rdelta, int nstep) {
        float min = x[xi];
        float max = x[xi];
        float sumW = weights[0];
        float sumX = sumW * x[xi];
        for (int i = 1; i < n; i++) {
            float v = x[xi + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                quants[qi + i] = 0;
            }
            minOut[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xi + i] - min));
            l = Math.max(0, Math.min(nmax, l));
            quants[qi + i] = l;
            float diff = scale * l + min - x[xi + i];
            bestError += weights[i] * (diff * diff);
        }
        if (nstep < 1) {
            minOut[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * (x[xi + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                aux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xi + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xi + i];
                    curError += weights[i] * (diff * diff);
                }
                if (curError < bestError) {
                    System.arraycopy(aux, 0, quants, qi, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[0] = -min;
        return scale;
    }

    /**
     * make_qx_quants with rmse_type 1 and no importance weights: symmetric quants in [-nmax, nmax - 1]
     * (stored plus nmax), weights x^2, nineteen candidate scales. Returns the scale.
     */
    private static float makeQxQuants(int n, int nmax, float[] x, int xi, int[] quants, int qi) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xi + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xi + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                quants[qi + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xi + i];
            int l = nearestInt(iscale * v);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            quants[qi + i] = l + nmax;
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xi + i];
                int l = nearestInt(iscale * v);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xi + i]);
                    quants[qi + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    /** quantize_row_q4_K_ref for one 256-value super-block (layout as in ScalarKernels.Q4_K). */
    private static void q4_KBlock(float[] x, int xi, MemorySegment dst, long o, KQuantScratch s) {
        int[] quants = s.quants;
        kQuantScalesAndMins(x, xi, dst, o, s, 15, -1f, 20);
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                putByte(dst, o + 16 + 32 * g + l, quants[64 * g + l] | (quants[64 * g + 32 + l] << 4));
            }
        }
    }

    /**
     * quantize_row_q5_K_ref for one 256-value super-block (layout as in ScalarKernels.Q5_K): Q4_K's scheme with
     * values 0..31 (make_qkx2_quants with rmin -0.5 and 15 steps), the fifth bits in {@code qh}.
     */
    private static void q5_KBlock(float[] x, int xi, MemorySegment dst, long o, KQuantScratch s) {
        int[] quants = s.quants;
        kQuantScalesAndMins(x, xi, dst, o, s, 31, -0.5f, 15);
        byte[] qh = new byte[32];
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int low = quants[64 * g + l];
                int high = quants[64 * g + 32 + l];
                if (low > 15) {
                    low -= 16;
                    qh[l] |= (byte) (1 << (2 * g));
                }
                if (high > 15) {
                    high -= 16;
                    qh[l] |= (byte) (2 << (2 * g));
                }
                putByte(dst, o + 48 + 32 * g + l, low | (high << 4));
            }
        }
        MemorySegment.copy(qh, 0, dst, ValueLayout.JAVA_BYTE, o + 16, 32);
    }

    /**
     * What Q4_K and Q5_K share: per 32 values a (scale, min) fit by make_qkx2_quants to {@code 0..nmax}, the
     * 6-bit scales and mins packed against the super-block's f16 d and dmin (written at {@code o}, {@code o + 2}
     * and the 12 bytes from {@code o + 4}), and every value requantized with the stored scales into
     * {@code s.quants}.
     */
    private static void kQuantScalesAndMins(float[] x, int xi, MemorySegment dst, long o, KQuantScratch s, int nmax,
            float rmin, int nstep) {
        int[] quants = s.quants;
        float[] weights = s.weights;
        float[] minOut = new float[1];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                float v = x[xi + 32 * j + l];
                sumX2 += v * v;
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[xi + 32 * j + l]);
            }
            s.scales[j] = makeQkx2Quants(32, nmax, x, xi + 32 * j, weights, quants, 32 * j, minOut, s.aux,
                    rmin, 0.1f, nstep);
            s.mins[j] = minOut[0];
            if (s.scales[j] > maxScale) {
                maxScale = s.scales[j];
            }
            if (s.mins[j] > maxMin) {
                maxMin = s.mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] packed = new byte[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * s.scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * s.mins[j]) & 0xFF);
            if (j < 4) {
                packed[j] = (byte) ls;
                packed[j + 4] = (byte) lm;
            } else {
                packed[j + 4] = (byte) ((ls & 0x0F) | ((lm & 0x0F) << 4));
                packed[j - 4] |= (byte) ((ls >>> 4) << 6);
                packed[j] |= (byte) ((lm >>> 4) << 6);
            }
        }
        short dBits = Float16.fromFloat(maxScale / 63f);
        short dminBits = Float16.fromFloat(maxMin / 63f);
        dst.set(SHORT_LE, o, dBits);
        dst.set(SHORT_LE, o + 2, dminBits);
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, o + 4, 12);
        MemorySegment scales = MemorySegment.ofArray(packed);
        float d = Float16.toFloat(dBits);
        float dmin = Float16.toFloat(dminBits);
        for (int j = 0; j < 8; j++) {
            float dj = d * ScalarKernels.scaleMinK4(scales, 0, j, false);
            if (dj == 0f) {
                continue;
            }
            float dm = dmin * ScalarKernels.scaleMinK4(scales, 0, j, true);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xi + 32 * j + ii] + dm) / dj);
                quants[32 * j + ii] = Math.max(0, Math.min(nmax, l));
            }
        }
    }

    /** quantize_row_q6_K_ref for one 256-value super-block (layout as in ScalarKernels.Q6_K). */
    private static void q6_KBlock(float[] x, int xi, MemorySegment dst, long o, KQuantScratch s) {
        int[] quants = s.quants;
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, xi + 16 * ib, quants, 16 * ib);
            s.scales[ib] = scale;
            float absScale = Math.abs(scale);
            if (absScale > maxAbsScale) {
                maxAbsScale = absScale;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            dst.asSlice(o, 210).fill((byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        short dBits = Float16.fromFloat(1 / iscale);
        dst.set(SHORT_LE, o + 208, dBits);
        byte[] groupScales = new byte[16];
        for (int ib = 0; ib < 16; ib++) {
            groupScales[ib] = (byte) Math.min(127, nearestInt(iscale * s.scales[ib]));
            putByte(dst, o + 192 + ib, groupScales[ib]);
        }
        float d = Float16.toFloat(dBits);
        for (int j = 0; j < 16; j++) {
            float dj = d * groupScales[j];
            if (dj == 0f) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xi + 16 * j + ii] / dj);
                quants[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        for (int h = 0; h < 2; h++) {
            int j = 128 * h;
            long ql = o + 64 * h;
            long qh = o + 128 + 32 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = quants[j + l];
                int q2 = quants[j + l + 32];
                int q3 = quants[j + l + 64];
                int q4 = quants[j + l + 96];
                putByte(dst, ql + l, (q1 & 0x0F) | ((q3 & 0x0F) << 4));
                putByte(dst, ql + l + 32, (q2 & 0x0F) | ((q4 & 0x0F) << 4));
                putByte(dst, qh + l, (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
    }
}
