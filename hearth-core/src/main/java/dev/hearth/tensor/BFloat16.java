package dev.hearth.tensor;

/**
 * bfloat16 (GGML's {@code BF16}): the upper half of a float's bits, converted the way ggml does it
 * ({@code GGML_BF16_TO_FP32} / {@code GGML_FP32_TO_BF16}).
 */
public final class BFloat16 {

    private BFloat16() {
    }

    /** The float with the value of the bfloat16 {@code bits}: exact, the low 16 bits are zero. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /**
     * The bfloat16 nearest to {@code f}, ties to even; NaN stays NaN with its quiet bit set. Subnormals are
     * rounded like any other value (current ggml does not flush them to zero).
     */
    public static short fromFloat(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((u >>> 16) | 0x40);
        }
        return (short) ((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16);
    }
}
