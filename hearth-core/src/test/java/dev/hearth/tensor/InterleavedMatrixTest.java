package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link InterleavedMatrix} (Q4_0, Q8_0, Q4_K, Q5_K and Q6_K) against the scalar references: the repacked copy decodes to exactly
 * the file's values (row by row and group by group), the 16-bit integer matrix-vector kernels match their
 * scalar references (same quantized x, exact integer sums) for any row range and stay within x's quantization
 * error of the float product, and the prompt path over the repacked copy gives bit-identical results to the
 * one over the file's rows. Column counts leave partial chunks (Q4_0: 21 blocks = 16 + 5), x has a block of
 * zeros and one of large negative values.
 */
class InterleavedMatrixTest {

    private record Matrices(MemorySegment rows, InterleavedMatrix packed, long rowBytes, int count, int cols) {}

    private static Matrices matrices(Arena arena, GgmlType type, int rows, int cols, Random random) {
        long rowBytes = type.byteSize(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            data.asSlice(r * rowBytes, rowBytes).copyFrom(MemorySegment.ofArray(RandomTensors.row(type, cols, random)));
        }
        long groupBytes = InterleavedMatrix.groupBytes(type, cols);
        assertThat(groupBytes).isEqualTo(32 * rowBytes);
        int groups = rows / 32;
        byte[] repacked = new byte[Math.toIntExact(groupBytes * groups)];
        for (int g = 0; g < groups; g++) {
            InterleavedMatrix.repackGroup(type, data, g * groupBytes, cols, repacked, (int) (g * groupBytes));
        }
        // Slabs of two groups (the last one of one when the count is odd), as the loader makes of ~1 MiB.
        MemorySegment[] slabs = new MemorySegment[(groups + 1) / 2];
        for (int i = 0; i < slabs.length; i++) {
            long bytes = Math.min(2, groups - 2 * i) * groupBytes;
            slabs[i] = arena.allocate(bytes, 64);
            MemorySegment.copy(MemorySegment.ofArray(repacked), 2 * i * groupBytes, slabs[i], 0, bytes);
        }
        return new Matrices(data, new InterleavedMatrix(type, slabs, 2, groups, cols), rowBytes, rows, cols);
    }

    private static float[] exactRow(GgmlType type, Matrices m, int r) {
        float[] row = new float[m.cols()];
        TensorKernels.scalar(type).dequantize(m.rows(), r * m.rowBytes(), row, 0, m.cols());
        return row;
    }

    private static int[] columnCounts(GgmlType type) {
        return type == GgmlType.Q4_0 || type == GgmlType.Q8_0 ? new int[] {32, 21 * 32, 64 * 32} : new int[] {256, 3 * 256, 8 * 256};
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void repackedRowsDecodeToTheFileValues(GgmlType type) {
        assumeTrue(InterleavedMatrix.SUPPORTED, "512-bit vectors");
        Random random = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : columnCounts(type)) {
                Matrices m = matrices(arena, type, 64, cols, random);
                float[] got = new float[cols + 3];
                for (int r = 0; r < m.count(); r++) {
                    m.packed().dequantizeRow(r, got, 3);
                    assertThat(Arrays.copyOfRange(got, 3, cols + 3)).as("%s cols %d row %d", type, cols, r)
                            .containsExactly(exactRow(type, m, r));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void groupsDecodeColumnMajorToTheFileValues(GgmlType type) {
        assumeTrue(InterleavedMatrix.SUPPORTED, "512-bit vectors");
        Random random = new Random(2);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : columnCounts(type)) {
                Matrices m = matrices(arena, type, 96, cols, random);
                float[] dst = new float[32 * cols];
                float[] temp = new float[InterleavedMatrix.TEMP + 7];
                for (int g = 0; g < 3; g++) {
                    m.packed().dequantizeGroup(g, dst, temp, 7);
                    for (int r = 0; r < 32; r++) {
                        float[] want = exactRow(type, m, 32 * g + r);
                        for (int c = 0; c < cols; c++) {
                            if (Float.floatToRawIntBits(dst[32 * c + r]) != Float.floatToRawIntBits(want[c])) {
                                throw new AssertionError(type + " cols " + cols + " group " + g + " row " + r + " col "
                                        + c + ": " + dst[32 * c + r] + " != " + want[c]);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void gemvMatchesItsScalarReferenceForAnyRowRange(GgmlType type) {
        assumeTrue(InterleavedMatrix.SUPPORTED, "512-bit vectors");
        Random random = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : columnCounts(type)) {
                Matrices m = matrices(arena, type, 96, cols, random);
                int xOffset = random.nextInt(5);
                float[] x = RandomTensors.gaussian(cols + xOffset, random);
                Arrays.fill(x, xOffset, xOffset + 32, 0f); // a block of zeros: scale 0
                for (int i = xOffset + 64; i < Math.min(x.length, xOffset + 96); i++) {
                    x[i] = -Math.abs(x[i]) * 1e3f; // large negative values: q = -127 (bits that spell NaN pairs)
                }
                float[] xs = new float[InterleavedMatrix.scratchFloats(cols)];
                InterleavedMatrix.quantizeX(x, xOffset, cols, xs);
                // A shared scratch with garbage, used across ranges as the threads of one projection do.
                float[] scratch = new float[MatmulKernel.gemvScratchLength(cols) + 9];
                Arrays.fill(scratch, Float.NaN);
                for (int[] range : new int[][] {{0, 96}, {32, 64}, {5, 40}, {33, 34}, {64, 96}, {7, 7}}) {
                    float[] out = new float[100];
                    Arrays.fill(out, Float.NaN);
                    m.packed().gemv(range[0], range[1], x, xOffset, out, 2, scratch);
                    for (int r = 0; r < 98; r++) {
                        String what = type + " cols " + cols + " rows " + range[0] + ".." + range[1] + " row " + r;
                        if (r < range[0] || r >= range[1]) {
                            assertThat(out[2 + r]).as(what + " (outside the range: untouched)").isNaN();
                            continue;
                        }
                        MemorySegment segment = m.packed().segment(r / 32);
                        long base = m.packed().base(r / 32);
                        float want = dotReference(type, segment, base, cols, r % 32, x, xOffset, xs);
                        float[] w = exactRow(type, m, r);
                        double maxW = 0;
                        double maxX = 0;
                        double exact = 0;
                        double quantizationError = 0;
                        for (int c = 0; c < cols; c++) {
                            maxW = Math.max(maxW, Math.abs(w[c]));
                            maxX = Math.max(maxX, Math.abs(x[xOffset + c]));
                            exact += (double) w[c] * x[xOffset + c];
                            // |x - q * d| <= d / 2 plus |q| * (d's f16 rounding): under 0.6 d, d = xScale.
                            if (type != GgmlType.Q8_0) { // Q8_0 multiplies float x
                                quantizationError += Math.abs(w[c]) * 0.6 * xs[InterleavedMatrix.xScales(cols) + c / 32];
                            }
                        }
                        double scale = cols * maxW * maxX + 1e-30;
                        if (type == GgmlType.Q8_0) {
                            assertThat(out[2 + r]).as(what + ": the reference's very operations").isEqualTo(want);
                        }
                        assertThat((double) out[2 + r]).as(what).isCloseTo(want, offset(1e-5 * scale));
                        assertThat((double) out[2 + r]).as(what + " vs float").isCloseTo(exact,
                                offset(quantizationError + 1e-5 * scale));
                        assertThat((double) m.packed().dotRow(r, x, xOffset)).as(what + " dotRow")
                                .isCloseTo(exact, offset(1e-5 * scale));
                    }
                }
                // A view of whole groups (as Phi-3's fused matrices are split) computes the same rows.
                float[] whole = new float[96];
                float[] part = new float[64];
                MatmulKernel.invalidateGemvScratch(scratch);
                m.packed().gemv(0, 96, x, xOffset, whole, 0, scratch);
                m.packed().rows(32, 64).gemv(0, 64, x, xOffset, part, 0, scratch);
                assertThat(part).containsExactly(Arrays.copyOfRange(whole, 32, 96));
                // New x in the same scratch: the caller invalidates, and the kernel quantizes again.
                float[] y = RandomTensors.gaussian(cols + xOffset, random);
                MatmulKernel.invalidateGemvScratch(scratch);
                float[] out = new float[96];
                m.packed().gemv(0, 96, y, xOffset, out, 0, scratch);
                float[] ys = new float[InterleavedMatrix.scratchFloats(cols)];
                InterleavedMatrix.quantizeX(y, xOffset, cols, ys);
                float want = dotReference(type, m.packed().segment(1), m.packed().base(1), cols, 18, y, xOffset, ys);
                assertThat(out[50]).isCloseTo(want, offset(1e-3f * (1 + Math.abs(want))));
            }
        }
    }

    /** The kernel's scalar reference: x itself for Q8_0, x quantized in {@code xs} for the others. */
    private static float dotReference(GgmlType type, MemorySegment segment, long base, int cols, int r, float[] x,
            int xOffset, float[] xs) {
        return switch (type) {
            case Q8_0 -> InterleavedQ8_0.dotReference(segment, base, cols, r, x, xOffset);
            case Q4_0 -> InterleavedQ4_0.dotReference(segment, base, cols, r, xs);
            case Q4_K -> InterleavedQ4_K.dotReference(segment, base, cols, r, xs);
            case Q5_K -> InterleavedQ5_K.dotReference(segment, base, cols, r, xs);
            case Q6_K -> InterleavedQ6_K.dotReference(segment, base, cols, r, xs);
            default -> throw new AssertionError(type);
        };
    }

    @Test
    void quantizedXFollowsLlamaCppsQ8_0Blocks() {
        float[] x = new float[64];
        for (int i = 0; i < 32; i++) {
            x[i] = (i - 16) * 0.25f; // max |x| = 4: d = 4 / 127
        }
        float[] scratch = new float[InterleavedMatrix.scratchFloats(64)];
        InterleavedMatrix.quantizeX(x, 0, 64, scratch);
        float d = Float.float16ToFloat(Float.floatToFloat16(4f / 127));
        assertThat(scratch[InterleavedMatrix.xScales(64)]).isEqualTo(d);
        int sum = 0;
        for (int i = 0; i < 32; i++) {
            int bits = Float.floatToRawIntBits(scratch[i]);
            assertThat((short) bits).isEqualTo((short) (bits >>> 16));
            assertThat(InterleavedMatrix.unpair(scratch[i])).as("q[%d]", i).isEqualTo((int) Math.rint(x[i] * (127 / 4f)));
            sum += InterleavedMatrix.unpair(scratch[i]);
        }
        assertThat(InterleavedMatrix.unpair(scratch[InterleavedMatrix.corrections(64)])).isEqualTo(-8 * sum);
        for (int e = 0; e < 4; e++) {
            int eighth = 0;
            for (int i = 8 * e; i < 8 * e + 8; i++) {
                eighth += InterleavedMatrix.unpair(scratch[i]);
            }
            assertThat(InterleavedMatrix.unpair(scratch[InterleavedMatrix.eighths(64) + e])).isEqualTo(-32 * eighth);
        }
        assertThat(scratch[InterleavedMatrix.scaledSums(64)]).isEqualTo(d * sum);
        for (int p = 0; p < 8; p++) {
            int plane = Float.floatToRawIntBits(scratch[InterleavedMatrix.bitPlanes(64) + p]);
            for (int i = 0; i < 32; i++) {
                assertThat((plane >>> i) & 1).as("bit plane %d, q[%d]", p, i)
                        .isEqualTo((InterleavedMatrix.unpair(scratch[i]) >>> p) & 1);
            }
        }
        assertThat(InterleavedMatrix.unpair(scratch[0])).isEqualTo(-127);
        // All-zero block: scale 0, quants 0.
        assertThat(scratch[InterleavedMatrix.xScales(64) + 1]).isZero();
        assertThat(Float.floatToRawIntBits(scratch[40])).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void promptPathOverTheRepackedCopyIsBitIdentical(GgmlType type) {
        assumeTrue(InterleavedMatrix.SUPPORTED, "512-bit vectors");
        Random random = new Random(4);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : Arrays.copyOf(columnCounts(type), 2)) {
                Matrices m = matrices(arena, type, 96, cols, random);
                for (int n : new int[] {1, 5, Gemm.lanes() + 3, 3 * Gemm.lanes()}) {
                    float[] x = RandomTensors.gaussian(n * cols, random);
                    float[] packed = new float[Gemm.packedLength(n, cols)];
                    Gemm.pack(x, n, cols, packed, 0, cols);
                    float[] tile = new float[Gemm.tileLength(cols)];
                    for (int[] range : new int[][] {{0, 96}, {32, 96}, {3, 45}, {90, 96}}) {
                        float[] want = new float[n * 96];
                        float[] got = new float[n * 96];
                        Arrays.fill(got, Float.NaN);
                        Arrays.fill(want, Float.NaN);
                        Gemm.multiply(MatmulKernels.forType(type), m.rows(), m.rowBytes(), cols, range[0], range[1],
                                packed, n, want, 96, tile);
                        Gemm.multiplyInterleaved(m.packed(), range[0], range[1], packed, n, got, 96, tile);
                        for (int i = 0; i < got.length; i++) {
                            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                                throw new AssertionError(type + " cols " + cols + " n " + n + " rows "
                                        + Arrays.toString(range) + " token " + i / 96 + " row " + i % 96 + ": " + got[i]
                                        + " != " + want[i]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void onlyQ4_0Q8_0Q4_KQ5_KAndQ6_KWithWholeGroupsAreRepacked() {
        assertThat(InterleavedMatrix.applies(GgmlType.Q5_K, 64, 2048)).isEqualTo(InterleavedMatrix.SUPPORTED);
        assertThat(InterleavedMatrix.applies(GgmlType.Q5_K, 64, 2048 + 32)).isFalse();
        assertThat(InterleavedMatrix.applies(GgmlType.Q5_0, 64, 2048)).isFalse();
        assertThat(InterleavedMatrix.applies(GgmlType.Q4_0, 64, 2048)).isEqualTo(InterleavedMatrix.SUPPORTED);
        assertThat(InterleavedMatrix.applies(GgmlType.Q4_K, 64, 2048)).isEqualTo(InterleavedMatrix.SUPPORTED);
        assertThat(InterleavedMatrix.applies(GgmlType.Q6_K, 64, 2048)).isEqualTo(InterleavedMatrix.SUPPORTED);
        assertThat(InterleavedMatrix.applies(GgmlType.Q6_K, 64, 2048 + 32)).isFalse();
        assertThat(InterleavedMatrix.applies(GgmlType.Q4_0, 48, 2048)).isFalse();
        assertThat(InterleavedMatrix.applies(GgmlType.Q4_K, 64, 2048 + 32)).isFalse();
        assertThat(InterleavedMatrix.applies(GgmlType.Q8_0, 64, 2048)).isEqualTo(InterleavedMatrix.SUPPORTED);
        assertThat(InterleavedMatrix.applies(GgmlType.Q8_0, 40, 2048)).isFalse();
        assertThat(InterleavedMatrix.applies(GgmlType.F16, 64, 2048)).isFalse();
        assertThat(InterleavedMatrix.applies(GgmlType.Q4_0, 0, 2048)).isFalse();
    }
}
