package dev.hearth.tensor;

/**
 * IEEE 754 binary16 ("half", GGML's {@code F16} and the block scales of most quantized types) conversions
 * that give the same bits as ggml's {@code GGML_FP16_TO_FP32} / {@code GGML_FP32_TO_FP16}.
 *
 * <p>binary16 to float is exact for every value (float has more exponent and significand bits);
 * {@link Float#float16ToFloat} does it, and the JIT turns it into one instruction ({@code vcvtph2ps}) where
 * the CPU has one. The one difference from ggml is NaN: Java keeps a signalling NaN signalling, ggml (its
 * bit-trick code and the F16C instruction alike) returns it quiet, so the quiet bit is set here.
 *
 * <p>float to binary16 rounds to nearest, ties to even, overflows to infinity and produces subnormals,
 * like {@link Float#floatToFloat16}; ggml turns every NaN into {@code 0x7E00} with the sign kept, where Java
 * keeps part of the payload, so NaN is handled here.
 */
public final class Float16 {

    private static final int EXPONENT_MASK = 0x7C00;
    private static final int SIGNIFICAND_MASK = 0x03FF;
    private static final int FLOAT_QUIET_BIT = 0x0040_0000;

    private Float16() {
    }

    /** The float with the value of the binary16 {@code bits}. */
    public static float toFloat(short bits) {
        float f = Float.float16ToFloat(bits);
        if ((bits & EXPONENT_MASK) == EXPONENT_MASK && (bits & SIGNIFICAND_MASK) != 0) {
            return Float.intBitsToFloat(Float.floatToRawIntBits(f) | FLOAT_QUIET_BIT);
        }
        return f;
    }

    /** The binary16 nearest to {@code f} (ties to even), as ggml rounds it. */
    public static short fromFloat(float f) {
        if (Float.isNaN(f)) {
            int sign = (Float.floatToRawIntBits(f) >>> 16) & 0x8000;
            return (short) (sign | 0x7E00);
        }
        return Float.floatToFloat16(f);
    }
}
