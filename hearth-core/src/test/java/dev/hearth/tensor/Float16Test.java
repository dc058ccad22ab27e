package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Float16 and BFloat16 against independent models of ggml's conversions: the bit-manipulation algorithm
 * ggml uses for binary16 (re-derived here), and round-to-nearest-even by comparing distances for bfloat16.
 */
class Float16Test {

    @Test
    void everyHalfConvertsToFloatLikeGgml() {
        for (int h = 0; h < 0x10000; h++) {
            short bits = (short) h;
            float actual = Float16.toFloat(bits);
            int exponent = h & 0x7C00;
            int significand = h & 0x03FF;
            if (exponent == 0x7C00 && significand != 0) {
                int expected = ((h & 0x8000) << 16) | 0x7F80_0000 | 0x0040_0000 | (significand << 13);
                assertThat(Float.floatToRawIntBits(actual)).as("NaN 0x%04x", h).isEqualTo(expected);
            } else {
                assertThat(Float.floatToRawIntBits(actual)).as("0x%04x", h)
                        .isEqualTo(Float.floatToRawIntBits(ggmlHalfToFloat(h)));
            }
        }
        assertThat(Float16.toFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Float16.toFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(Float16.toFloat((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(Float16.toFloat((short) 0x8000))).isEqualTo(0x8000_0000);
    }

    @Test
    void floatsRoundToHalfLikeGgml() {
        // Every half, the midpoints between neighbours and one float ulp either side of them.
        for (int h = 0; h < 0x10000; h++) {
            float f = Float.float16ToFloat((short) h);
            checkToHalf(f);
            if (Float.isFinite(f)) {
                float next = Float.float16ToFloat((short) (h + 1));
                if (Float.isFinite(next) && (h & 0x7FFF) != 0x7BFF) {
                    float mid = (float) (((double) f + next) / 2);
                    checkToHalf(mid);
                    checkToHalf(Math.nextUp(mid));
                    checkToHalf(Math.nextDown(mid));
                }
            }
        }
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7F80_0001),
            Float.intBitsToFloat(0xFFC1_2345), 65504f, 65519.99f, 65520f, 1e6f, 0x1p-25f, Math.nextUp(0x1p-25f),
            0x1p-26f, 0x1.8p-25f, Float.MIN_NORMAL};
        for (float f : specials) {
            checkToHalf(f);
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 2_000_000; i++) {
            checkToHalf(Float.intBitsToFloat(random.nextInt()));
            checkToHalf((float) random.nextGaussian() * 0.05f);
        }
        assertThat(Float16.fromFloat(Float.NaN)).isEqualTo((short) 0x7E00);
        assertThat(Float16.fromFloat(Float.intBitsToFloat(0xFFC1_2345))).isEqualTo((short) 0xFE00);
        assertThat(Float16.fromFloat(65520f)).isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(0x1p-25f)).isEqualTo((short) 0);
        assertThat(Float16.fromFloat(Math.nextUp(0x1p-25f))).isEqualTo((short) 1);
    }

    private static void checkToHalf(float f) {
        assertThat(Float16.fromFloat(f)).as("%s (0x%08x)", f, Float.floatToRawIntBits(f))
                .isEqualTo(ggmlFloatToHalf(f));
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000_000; i++) {
            checkBf16(Float.intBitsToFloat(random.nextInt()));
        }
        for (int hi = 0; hi < 0x10000; hi++) {
            int base = hi << 16;
            checkBf16(Float.intBitsToFloat(base));
            checkBf16(Float.intBitsToFloat(base | 0x8000));
            checkBf16(Float.intBitsToFloat(base | 0x7FFF));
            checkBf16(Float.intBitsToFloat(base | 0x8001));
            assertThat(Float.floatToRawIntBits(BFloat16.toFloat((short) hi))).isEqualTo(base);
        }
        assertThat(BFloat16.fromFloat(Float.intBitsToFloat(0x7F80_0001))).isEqualTo((short) 0x7FC0);
        assertThat(BFloat16.fromFloat(Float.intBitsToFloat(0x3F80_8000))).isEqualTo((short) 0x3F80);
        assertThat(BFloat16.fromFloat(Float.intBitsToFloat(0x3F81_8000))).isEqualTo((short) 0x3F82);
    }

    private static void checkBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        short actual = BFloat16.fromFloat(f);
        if (Float.isNaN(f)) {
            assertThat(Float.isNaN(BFloat16.toFloat(actual))).isTrue();
            assertThat(actual & 0x40).isEqualTo(0x40);
            assertThat(actual & 0xFFBF).isEqualTo((bits >>> 16) & 0xFFBF);
            return;
        }
        int lower = bits & 0xFFFF_0000;
        int upper = lower + 0x10000;
        double dl = Math.abs((double) f - Float.intBitsToFloat(lower));
        double du = Math.abs((double) f - upperValue(upper, lower));
        int expected;
        if (dl < du) {
            expected = lower;
        } else if (du < dl) {
            expected = upper;
        } else {
            expected = ((lower >>> 16) & 1) == 0 ? lower : upper;
        }
        assertThat(actual & 0xFFFF).as("0x%08x", bits).isEqualTo(expected >>> 16 & 0xFFFF);
    }

    /** The value of the bf16 above {@code lower}; past the largest finite magnitude that is infinity. */
    private static double upperValue(int upper, int lower) {
        if ((lower & 0x7FFF_FFFF) == 0x7F7F_0000) {
            // Rounding up from the largest finite bf16 overflows; its "distance" is 2^128 - value.
            return Math.copySign(0x1p128, Float.intBitsToFloat(lower));
        }
        return Float.intBitsToFloat(upper);
    }

    // ---- ggml's algorithms (binary16 <-> binary32 by bit manipulation), re-derived --------------------------

    private static float ggmlHalfToFloat(int h) {
        int w = h << 16;
        int sign = w & 0x8000_0000;
        int twoW = w + w;
        float normalized = Float.intBitsToFloat((twoW >>> 4) + (0xE0 << 23)) * 0x1p-112f;
        float denormalized = Float.intBitsToFloat((twoW >>> 17) | (126 << 23)) - 0.5f;
        int magnitude = Integer.compareUnsigned(twoW, 1 << 27) < 0
                ? Float.floatToRawIntBits(denormalized) : Float.floatToRawIntBits(normalized);
        return Float.intBitsToFloat(sign | magnitude);
    }

    private static short ggmlFloatToHalf(float f) {
        float base = (Math.abs(f) * 0x1p112f) * 0x1p-110f;
        int w = Float.floatToRawIntBits(f);
        int shl1W = w + w;
        int sign = w & 0x8000_0000;
        int bias = shl1W & 0xFF00_0000;
        if (Integer.compareUnsigned(bias, 0x7100_0000) < 0) {
            bias = 0x7100_0000;
        }
        base = Float.intBitsToFloat((bias >>> 1) + 0x0780_0000) + base;
        int bits = Float.floatToRawIntBits(base);
        int nonsign = ((bits >>> 13) & 0x7C00) + (bits & 0x0FFF);
        return (short) ((sign >>> 16) | (Integer.compareUnsigned(shl1W, 0xFF00_0000) > 0 ? 0x7E00 : nonsign));
    }
}
