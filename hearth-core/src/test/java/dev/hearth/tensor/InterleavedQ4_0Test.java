package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link InterleavedQ4_0} against the Q4_0 scalar reference: the repacked copy decodes to exactly the file's
 * values (row by row and group by group), the 16-bit integer matrix-vector kernel matches its scalar
 * reference (same quantized x, exact integer block sums) for any row range, and the prompt path over the
 * repacked copy gives bit-identical results to the one over the file's rows. Column counts that leave a
 * partial chunk of blocks (21 blocks = 16 + 5) and x blocks of all zeros are included.
 */
class InterleavedQ4_0Test {
    private static final GgmlType Q4_0 = GgmlType.Q4_0;

    private record Matrices(MemorySegment rows, InterleavedQ4_0.Groups packed, long rowBytes, int count, int cols) {}

    private static Matrices matrices(Arena arena, int rows, int cols, Random random) {
        long rowBytes = Q4_0.byteSize(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            data.asSlice(r * rowBytes, rowBytes).copyFrom(MemorySegment.ofArray(RandomTensors.row(Q4_0, cols, random)));
        }
        long groupBytes = InterleavedQ4_0.groupBytes(cols);
        assertThat(groupBytes).isEqualTo(32 * rowBytes);
        byte[] repacked = new byte[Math.toIntExact(groupBytes * (rows / 32))];
        for (int g = 0; g < rows / 32; g++) {
            InterleavedQ4_0.repackGroup(data, g * groupBytes, cols, repacked, (int) (g * groupBytes));
        }
        // Slabs of two groups (the last one of one when the count is odd), as the loader makes of ~1 MiB.
        int groups = rows / 32;
        MemorySegment[] slabs = new MemorySegment[(groups + 1) / 2];
        for (int i = 0; i < slabs.length; i++) {
            long bytes = Math.min(2, groups - 2 * i) * groupBytes;
            slabs[i] = arena.allocate(bytes, 64);
            MemorySegment.copy(MemorySegment.ofArray(repacked), 2 * i * groupBytes, slabs[i], 0, bytes);
        }
        return new Matrices(data, new InterleavedQ4_0.Groups(slabs, 2, groups, cols), rowBytes, rows, cols);
    }

    private static float[] exactRow(Matrices m, int r) {
        float[] row = new float[m.cols()];
        TensorKernels.scalar(Q4_0).dequantize(m.rows(), r * m.rowBytes(), row, 0, m.cols());
        return row;
    }

    @Test
    void repackedRowsDecodeToTheFileValues() {
        Random random = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {32, 21 * 32, 64 * 32}) {
                Matrices m = matrices(arena, 64, cols, random);
                float[] got = new float[cols + 3];
                for (int r = 0; r < m.count(); r++) {
                    m.packed().dequantizeRow(r, got, 3);
                    assertThat(Arrays.copyOfRange(got, 3, cols + 3)).as("cols %d row %d", cols, r).containsExactly(exactRow(m, r));
                }
            }
        }
    }

    @Test
    void groupsDecodeColumnMajorToTheFileValues() {
        assumeTrue(InterleavedQ4_0.SUPPORTED, "512-bit vectors");
        Random random = new Random(2);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {32, 21 * 32, 40 * 32}) {
                Matrices m = matrices(arena, 64, cols, random);
                float[] dst = new float[32 * cols];
                float[] temp = new float[InterleavedQ4_0.DEQUANTIZE_TEMP + 7];
                for (int g = 0; g < 2; g++) {
                    InterleavedQ4_0.dequantizeGroup(m.packed().segment(g), m.packed().base(g), cols, dst, temp, 7);
                    for (int r = 0; r < 32; r++) {
                        float[] want = exactRow(m, 32 * g + r);
                        for (int c = 0; c < cols; c++) {
                            if (Float.floatToRawIntBits(dst[32 * c + r]) != Float.floatToRawIntBits(want[c])) {
                                throw new AssertionError("cols " + cols + " group " + g + " row " + r + " col " + c
                                        + ": " + dst[32 * c + r] + " != " + want[c]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void gemvMatchesItsScalarReferenceForAnyRowRange() {
        assumeTrue(InterleavedQ4_0.SUPPORTED, "512-bit vectors");
        Random random = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {32, 21 * 32, 64 * 32}) {
                Matrices m = matrices(arena, 96, cols, random);
                int xOffset = random.nextInt(5);
                float[] x = RandomTensors.gaussian(cols + xOffset, random);
                Arrays.fill(x, xOffset, xOffset + 32, 0f); // a block of zeros: scale 0
                for (int i = xOffset + 64; i < Math.min(x.length, xOffset + 96); i++) {
                    x[i] = -Math.abs(x[i]) * 1e3f; // large negative values: q = -127 (bits that spell NaN pairs)
                }
                // A shared scratch with garbage, used across ranges as the threads of one projection do.
                float[] scratch = new float[MatmulKernel.gemvScratchLength(cols) + 9];
                Arrays.fill(scratch, Float.NaN);
                for (int[] range : new int[][] {{0, 96}, {32, 64}, {5, 40}, {33, 34}, {64, 96}, {7, 7}}) {
                    float[] out = new float[100];
                    Arrays.fill(out, Float.NaN);
                    m.packed().gemv(range[0], range[1], x, xOffset, out, 2, scratch);
                    for (int r = 0; r < 98; r++) {
                        String what = "cols " + cols + " rows " + range[0] + ".." + range[1] + " row " + r;
                        if (r < range[0] || r >= range[1]) {
                            assertThat(out[2 + r]).as(what + " (outside the range: untouched)").isNaN();
                            continue;
                        }
                        float want = InterleavedQ4_0.dotReference(m.packed(), r, x, xOffset);
                        double magnitude = 0;
                        float[] w = exactRow(m, r);
                        for (int c = 0; c < cols; c++) {
                            magnitude += Math.abs((double) w[c] * x[xOffset + c]);
                        }
                        assertThat((double) out[2 + r]).as(what).isCloseTo(want, org.assertj.core.api.Assertions.offset(1e-5 * magnitude + 1e-30));
                        // And close to the float product: x's 8-bit quantization costs well under 1% of the terms.
                        double exact = 0;
                        for (int c = 0; c < cols; c++) {
                            exact += (double) w[c] * x[xOffset + c];
                        }
                        assertThat((double) out[2 + r]).as(what + " vs float").isCloseTo(exact, org.assertj.core.api.Assertions.offset(0.01 * magnitude));
                        assertThat((double) m.packed().dotRow(r, x, xOffset)).as(what + " dotRow")
                                .isCloseTo(exact, org.assertj.core.api.Assertions.offset(1e-5 * magnitude));
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
                float[] out = new float[98];
                m.packed().gemv(0, 96, y, xOffset, out, 2, scratch);
                assertThat(out[2 + 50]).isCloseTo(InterleavedQ4_0.dotReference(m.packed(), 50, y, xOffset),
                        org.assertj.core.api.Assertions.offset(1e-3f));
            }
        }
    }

    @Test
    void quantizedXFollowsLlamaCppsQ8_0Blocks() {
        float[] x = new float[64];
        for (int i = 0; i < 32; i++) {
            x[i] = (i - 16) * 0.25f; // max |x| = 4: d = 4 / 127
        }
        float[] scratch = new float[InterleavedQ4_0.scratchFloats(64)];
        InterleavedQ4_0.quantizeX(x, 0, 64, scratch);
        float d = 4f / 127;
        assertThat(scratch[64 + 2]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(d)));
        int sum = 0;
        for (int i = 0; i < 32; i++) {
            int bits = Float.floatToRawIntBits(scratch[i]);
            assertThat((short) bits).isEqualTo((short) (bits >>> 16));
            assertThat((int) (short) bits).as("q[%d]", i).isEqualTo((int) Math.rint(x[i] * (1 / d)));
            sum += (short) bits;
        }
        assertThat((short) Float.floatToRawIntBits(scratch[64])).isEqualTo((short) (-8 * sum));
        assertThat((short) Float.floatToRawIntBits(scratch[0])).isEqualTo((short) -127);
        // All-zero block: scale 0, quants 0.
        assertThat(scratch[64 + 3]).isZero();
        assertThat(Float.floatToRawIntBits(scratch[40])).isZero();
    }

    @Test
    void promptPathOverTheRepackedCopyIsBitIdentical() {
        assumeTrue(InterleavedQ4_0.SUPPORTED, "512-bit vectors");
        Random random = new Random(4);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {32, 21 * 32}) {
                Matrices m = matrices(arena, 96, cols, random);
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
                        Gemm.multiply(MatmulKernels.forType(Q4_0), m.rows(), m.rowBytes(), cols, range[0], range[1],
                                packed, n, want, 96, tile);
                        Gemm.multiplyInterleaved(m.packed(), range[0], range[1], packed, n, got, 96, tile);
                        for (int i = 0; i < got.length; i++) {
                            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                                throw new AssertionError("cols " + cols + " n " + n + " rows " + Arrays.toString(range)
                                        + " token " + i / 96 + " row " + i % 96 + ": " + got[i] + " != " + want[i]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void onlyQ4_0WithWholeGroupsIsRepacked() {
        assertThat(InterleavedQ4_0.applies(GgmlType.Q4_0, 64, 2048)).isEqualTo(InterleavedQ4_0.SUPPORTED);
        assertThat(InterleavedQ4_0.applies(GgmlType.Q4_0, 48, 2048)).isFalse();
        assertThat(InterleavedQ4_0.applies(GgmlType.Q8_0, 64, 2048)).isFalse();
        assertThat(InterleavedQ4_0.applies(GgmlType.Q4_0, 0, 2048)).isFalse();
    }
}
