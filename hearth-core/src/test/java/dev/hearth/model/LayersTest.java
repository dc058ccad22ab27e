package dev.hearth.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** Attention's vector helpers against plain scalar references (also run with 128- and 256-bit vectors). */
class LayersTest {
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    /** The vector exp of each element of {@code x}: softmax's numerators with a maximum of 0. */
    private static float[] vectorExp(float[] x) {
        float[] out = x.clone();
        Layers.expShifted(out, 0, out.length, 0f);
        return out;
    }

    private static long ulps(float actual, float expected) {
        return Math.abs((long) Float.floatToIntBits(actual) - Float.floatToIntBits(expected));
    }

    @Test
    void expIsWithinTwoUlpOfMathExpOverItsWholeRange() {
        // Every 2^-10 from -87.3 to 88 (180,000 points), plus random floats and the ends of the range.
        int n = 180_224;
        float[] x = new float[n];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            x[i] = i < 179_000 ? -87.3f + i / 1024f : (float) random.nextDouble(-87.33, 88);
        }
        x[n - 1] = 0f;
        x[n - 2] = -0f;
        x[n - 3] = 88f;
        x[n - 4] = -87.33f;
        x[n - 5] = Math.ulp(0f);
        x[n - 6] = -1e-30f;
        float[] e = vectorExp(x);
        long worst = 0;
        for (int i = 0; i < n; i++) {
            float expected = (float) Math.exp(x[i]);
            long u = ulps(e[i], expected);
            assertThat(u).as("exp(%s) = %s, Math.exp %s", x[i], e[i], expected).isLessThanOrEqualTo(2);
            worst = Math.max(worst, u);
        }
        assertThat(e[n - 1]).isEqualTo(1f);
        assertThat(worst).as("an exact exp would be suspicious of the test").isPositive();
    }

    @Test
    void expIsZeroBelowTheNormalRangeAndKeepsNaN() {
        float[] x = new float[LANES * 2];
        Arrays.fill(x, -200f);
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = -87.4f;
        x[2] = -1e30f;
        x[3] = Float.NaN;
        float[] e = vectorExp(x);
        assertThat(e[0]).isZero();
        assertThat(e[1]).isZero();
        assertThat(e[2]).isZero();
        assertThat(e[3]).isNaN();
        for (int i = 4; i < x.length; i++) {
            assertThat(e[i]).isZero();
        }
    }

    @Test
    void expShiftedMatchesScalarSoftmaxNumeratorsForEveryLengthAndOffset() {
        SplittableRandom random = new SplittableRandom(11);
        for (int from = 0; from < 3; from++) {
            for (int length = 1; length <= 3 * LANES + 3; length++) {
                float[] x = new float[from + length + 5];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextDouble(-30, 30);
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int j = from; j < from + length; j++) {
                    max = Math.max(max, x[j]);
                }
                float[] expected = x.clone();
                double sum = 0;
                for (int j = from; j < from + length; j++) {
                    expected[j] = (float) Math.exp(x[j] - max);
                    sum += expected[j];
                }
                float[] actual = x.clone();
                float s = Layers.expShifted(actual, from, from + length, max);
                assertThat((double) s).as("sum, from %d length %d", from, length).isCloseTo(sum,
                        org.assertj.core.data.Offset.offset(sum * 1e-6));
                for (int j = 0; j < x.length; j++) {
                    if (j < from || j >= from + length) {
                        assertThat(actual[j]).as("outside the range, index %d", j).isEqualTo(x[j]);
                    } else {
                        assertThat(ulps(actual[j], expected[j])).as("from %d length %d index %d", from, length, j)
                                .isLessThanOrEqualTo(2);
                    }
                }
            }
        }
    }

    @Test
    void weightedRowsMatchesTheScalarSumForEveryHeadCountAndTail() {
        SplittableRandom random = new SplittableRandom(3);
        int rows = 40;
        for (int heads = 1; heads <= 9; heads++) {
            for (int n : new int[] {LANES, 2 * LANES + 3, 64}) {
                int stride = n + 2; // rows not packed: the stride is honoured
                float[] values = new float[5 + rows * stride];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextDouble(-1, 1);
                }
                int wStride = rows + 1;
                float[] w = new float[heads * wStride];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) random.nextDouble(0, 1);
                }
                float[] scale = new float[heads];
                for (int g = 0; g < heads; g++) {
                    scale[g] = (float) random.nextDouble(0.5, 2);
                }
                int from = 3;
                int to = rows - 1;
                int outStride = n + 4;
                float[] out = new float[heads * outStride + 7];
                Arrays.fill(out, 42f);
                Layers.weightedRows(out, 7, outStride, values, 5, stride, w, wStride, from, to, scale, heads, n);
                for (int g = 0; g < heads; g++) {
                    for (int d = 0; d < n; d++) {
                        double sum = 0;
                        for (int j = from; j < to; j++) {
                            sum += (double) w[g * wStride + j] * values[5 + j * stride + d];
                        }
                        assertThat((double) out[7 + g * outStride + d]).as("heads %d n %d head %d d %d", heads, n, g, d)
                                .isCloseTo(scale[g] * sum, org.assertj.core.data.Offset.offset(1e-4));
                    }
                    for (int d = n; d < outStride && 7 + g * outStride + d < out.length; d++) {
                        assertThat(out[7 + g * outStride + d]).isEqualTo(42f);
                    }
                }
                for (int i = 0; i < 7; i++) {
                    assertThat(out[i]).isEqualTo(42f);
                }
            }
        }
    }
}
