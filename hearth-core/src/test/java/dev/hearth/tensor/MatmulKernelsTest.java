package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.assertj.core.api.Assertions.offset;

import com.sun.management.ThreadMXBean;
import dev.hearth.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every type's {@link MatmulKernel} against the scalar reference ({@link TensorKernels#scalar}) on random
 * matrices in native memory: the matrix-vector product (any row range, odd row counts for the two-row
 * kernels), the exact row dequantization of the prompt path (bit-identical), and {@link Gemm} over batches
 * that do and do not fill whole token groups. Surefire also runs this class with 4- and 8-lane vectors.
 */
class MatmulKernelsTest {

    private record Matrix(MemorySegment data, long rowBytes, int rows, int cols, float[][] exact) {}

    private static Matrix matrix(Arena arena, GgmlType type, int rows, int cols, Random random) {
        long rowBytes = type.byteSize(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        float[][] exact = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            data.asSlice(r * rowBytes, rowBytes).copyFrom(MemorySegment.ofArray(RandomTensors.row(type, cols, random)));
            TensorKernels.scalar(type).dequantize(data, r * rowBytes, exact[r], 0, cols);
        }
        return new Matrix(data, rowBytes, rows, cols, exact);
    }

    /** The double-precision dot product and the sum of magnitudes, for a tolerance relative to the terms. */
    /**
     * The x that a {@code type} gemv multiplies: with scratch on 16 lanes, F16 rounds x to binary16 (as ggml does
     * for F16 weights, {@link GemvKernels#halfPairs}) and Q8_0 to bfloat16 ({@code GemvKernels.q8_0Pairs}); BF16
     * with scratch rounds x to bfloat16 on 8 and 16 lanes ({@link GemvKernels#bf16}).
     */
    private static float[] seenX(GgmlType type, float[] x, boolean withScratch) {
        boolean rounds = withScratch && (MatmulKernels.L == 16 && (type == GgmlType.F16 || type == GgmlType.Q8_0)
                || MatmulKernels.VECTOR && type == GgmlType.BF16);
        if (!rounds) {
            return x;
        }
        float[] rounded = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            rounded[i] = type == GgmlType.F16 ? Float.float16ToFloat(Float.floatToFloat16(x[i]))
                    : BFloat16.toFloat(BFloat16.fromFloat(x[i]));
        }
        return rounded;
    }

    private static double[] exactDot(float[] w, float[] x, int xOffset) {
        double sum = 0;
        double magnitude = 0;
        for (int i = 0; i < w.length; i++) {
            double p = (double) w[i] * x[xOffset + i];
            sum += p;
            magnitude += Math.abs(p);
        }
        return new double[] {sum, magnitude};
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K",
        "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void gemvMatchesTheReference(GgmlType type) {
        MatmulKernel kernel = MatmulKernels.forType(type);
        Random random = new Random(11 + type.ordinal());
        int unit = Math.max(type.blockSize(), 32);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {unit, 3 * unit, 8 * unit}) {
                Matrix m = matrix(arena, type, 7, cols, random);
                int xOffset = random.nextInt(4);
                float[] x = RandomTensors.gaussian(cols + xOffset, random);
                for (int[] range : new int[][] {{0, 7}, {1, 6}, {2, 3}, {3, 3}, {0, -7}, {2, -5}}) {
                    // Negative ends: the same rows through gemv with scratch (the Q4_K, Q5_K and Q6_K kernels
                    // rearrange x there), with a scratch longer than needed and filled with garbage.
                    boolean withScratch = range[1] < 0;
                    int end = Math.abs(range[1]);
                    float[] out = new float[9];
                    java.util.Arrays.fill(out, Float.NaN);
                    if (withScratch) {
                        float[] scratch = new float[MatmulKernel.gemvScratchLength(cols) + 5];
                        java.util.Arrays.fill(scratch, Float.NaN);
                        kernel.gemv(m.data(), m.rowBytes(), cols, range[0], end, x, xOffset, out, 2, scratch);
                    } else {
                        kernel.gemv(m.data(), m.rowBytes(), cols, range[0], end, x, xOffset, out, 2);
                    }
                    for (int r = 0; r < 7; r++) {
                        String what = type + " cols=" + cols + " rows " + range[0] + ".." + end + " row " + r
                                + (withScratch ? " (with scratch)" : "");
                        if (r < range[0] || r >= end) {
                            assertThat(out[2 + r]).as(what + " (outside the range: untouched)").isNaN();
                            continue;
                        }
                        double[] e = exactDot(m.exact()[r], seenX(type, x, withScratch), xOffset);
                        assertThat((double) out[2 + r]).as(what).isCloseTo(e[0], offset(1e-5 * e[1] + 1e-30));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K",
        "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void dequantizeRowsIsBitIdenticalToTheReference(GgmlType type) {
        MatmulKernel kernel = MatmulKernels.forType(type);
        Random random = new Random(21 + type.ordinal());
        int cols = 2 * Math.max(type.blockSize(), 32);
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = matrix(arena, type, 5, cols, random);
            float[] dst = new float[3 * cols];
            kernel.dequantizeRows(m.data(), m.rowBytes(), cols, 2, 3, dst);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < cols; j++) {
                    assertThat(Float.floatToRawIntBits(dst[i * cols + j])).as("%s row %d col %d", type, 2 + i, j)
                            .isEqualTo(Float.floatToRawIntBits(m.exact()[2 + i][j]));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16"})
    void halfGemvTakesAnyColumnCount(GgmlType type) {
        // F16 and BF16 rows whose length is not a multiple of the vector loop's (nor of F16's conversion chunk,
        // GemvKernels.HALF_CHUNK, on 8 lanes): the tail is added by scalar code, with and without scratch.
        MatmulKernel kernel = MatmulKernels.forType(type);
        Random random = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {GemvKernels.HALF_CHUNK + 1, 2 * GemvKernels.HALF_CHUNK + 37, 3, 45}) {
                Matrix m = matrix(arena, type, 4, cols, random);
                float[] x = RandomTensors.gaussian(cols + 1, random);
                for (float[] scratch : new float[][] {null, new float[MatmulKernel.gemvScratchLength(cols)]}) {
                    float[] out = new float[4];
                    kernel.gemv(m.data(), m.rowBytes(), cols, 0, 4, x, 1, out, 0, scratch);
                    for (int r = 0; r < 4; r++) {
                        double[] e = exactDot(m.exact()[r], seenX(type, x, scratch != null), 1);
                        assertThat((double) out[r]).as("%s cols %d row %d scratch %s", type, cols, r, scratch != null)
                                .isCloseTo(e[0], offset(1e-5 * e[1] + 1e-30));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void aSharedScratchFollowsInvalidation(GgmlType type) {
        // One scratch across calls, as a compute thread keeps it: row chunks of one x reuse the prepared x;
        // after invalidateGemvScratch a new x (same array, new contents) is prepared again; a matrix of another
        // type in between (fused q/k/v of mixed types) must not leave a stale preparation behind, nor be misled
        // by one (Q5_K after Q4_K: the same layout with 8 lanes, different ones with 16).
        MatmulKernel kernel = MatmulKernels.forType(type);
        MatmulKernel other = MatmulKernels.forType(
                type == GgmlType.Q6_K || type == GgmlType.Q5_K ? GgmlType.Q4_K : GgmlType.Q6_K);
        Random random = new Random(41 + type.ordinal());
        int cols = 512;
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = matrix(arena, type, 9, cols, random);
            Matrix o = matrix(arena, other.type(), 3, cols, random);
            float[] scratch = new float[MatmulKernel.gemvScratchLength(cols)];
            float[] x = new float[cols];
            for (int round = 0; round < 3; round++) {
                System.arraycopy(RandomTensors.gaussian(cols, random), 0, x, 0, cols);
                MatmulKernel.invalidateGemvScratch(scratch);
                float[] out = new float[9];
                kernel.gemv(m.data(), m.rowBytes(), cols, 0, 4, x, 0, out, 0, scratch);
                float[] otherOut = new float[3];
                other.gemv(o.data(), o.rowBytes(), cols, 0, 3, x, 0, otherOut, 0, scratch);
                kernel.gemv(m.data(), m.rowBytes(), cols, 4, 9, x, 0, out, 0, scratch);
                for (int r = 0; r < 9; r++) {
                    double[] e = exactDot(m.exact()[r], seenX(type, x, true), 0);
                    assertThat((double) out[r]).as("%s round %d row %d", type, round, r)
                            .isCloseTo(e[0], offset(1e-5 * e[1] + 1e-30));
                }
                for (int r = 0; r < 3; r++) {
                    double[] e = exactDot(o.exact()[r], x, 0);
                    assertThat((double) otherOut[r]).as("%s after %s, round %d row %d", other.type(), type, round, r)
                            .isCloseTo(e[0], offset(1e-5 * e[1] + 1e-30));
                }
            }
        }
    }

    @Test
    void halfGemvHandlesEveryBitPattern() {
        // All 65536 binary16 values as 64 rows of 1024: zeros, subnormals (rows 0 and 32), normals, and in rows
        // 31 and 63 infinities and NaNs, which the 16-lane scratch path (GemvKernels.halfPairs) would read as
        // finite values: it must notice them and give exactly what the exact register conversion gives (which
        // multiplies the unrounded x).
        MatmulKernel kernel = MatmulKernels.forType(GgmlType.F16);
        int cols = 1024;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(2L * 64 * cols, 64);
            for (int i = 0; i < 64 * cols; i++) {
                data.set(TensorBytes.SHORT_LE, 2L * i, (short) i);
            }
            float[] x = RandomTensors.gaussian(cols, new Random(9));
            float[] exact = new float[64];
            kernel.gemv(data, 2L * cols, cols, 0, 64, x, 0, exact, 0);
            float[] scratch = new float[MatmulKernel.gemvScratchLength(cols)];
            for (int round = 0; round < 3; round++) { // interpreted, then compiled code
                float[] out = new float[64];
                MatmulKernel.invalidateGemvScratch(scratch);
                kernel.gemv(data, 2L * cols, cols, 0, 64, x, 0, out, 0, scratch);
                for (int r = 0; r < 64; r++) {
                    if (r % 32 == 31) {
                        assertThat(Float.floatToIntBits(out[r])).as("row %d (infinities and NaNs)", r)
                                .isEqualTo(Float.floatToIntBits(exact[r]));
                    } else {
                        float[] row = new float[cols];
                        for (int c = 0; c < cols; c++) {
                            row[c] = Float16.toFloat((short) (r * cols + c));
                        }
                        double[] e = exactDot(row, seenX(GgmlType.F16, x, true), 0);
                        assertThat((double) out[r]).as("row %d", r).isCloseTo(e[0], offset(1e-5 * e[1] + 1e-30));
                    }
                }
            }
        }
    }

    @Test
    void halfGemvKeepsAnXBeyondBinary16sRange() {
        // An activation beyond 65504 (binary16's largest) or NaN rounds to an infinity or a NaN, which the 16-lane
        // scratch path would decode as a finite value: such an x is multiplied as a float instead, exactly as
        // without scratch.
        assumeTrue(MatmulKernels.L == 16, "the binary16-x path runs on 16 lanes");
        MatmulKernel kernel = MatmulKernels.forType(GgmlType.F16);
        Random random = new Random(13);
        int cols = 100; // 96 in pairs and a tail of 4
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = matrix(arena, GgmlType.F16, 3, cols, random);
            for (float big : new float[] {1e5f, -7e4f, Float.NaN}) {
                for (int at : new int[] {5, cols - 1}) {
                    float[] x = RandomTensors.gaussian(cols, random);
                    x[at] = big;
                    float[] want = new float[3];
                    kernel.gemv(m.data(), m.rowBytes(), cols, 0, 3, x, 0, want, 0);
                    float[] got = new float[3];
                    kernel.gemv(m.data(), m.rowBytes(), cols, 0, 3, x, 0, got, 0,
                            new float[MatmulKernel.gemvScratchLength(cols)]);
                    for (int r = 0; r < 3; r++) {
                        assertThat(Float.floatToIntBits(got[r])).as("x[%d] = %s, row %d: %s vs %s", at, big, r,
                                got[r], want[r]).isEqualTo(Float.floatToIntBits(want[r]));
                    }
                }
            }
        }
    }

    @Test
    void halfDequantizationIsExactForEveryBitPattern() {
        // All 65536 binary16 values (zeros, subnormals, infinities, quiet and signalling NaNs) through the
        // prompt path's converted loop: the same bits as Float16.toFloat (ggml's conversion).
        try (Arena arena = Arena.ofConfined()) {
            int cols = 1 << 16;
            MemorySegment data = arena.allocate(2L * cols, 64);
            for (int i = 0; i < cols; i++) {
                data.set(TensorBytes.SHORT_LE, 2L * i, (short) i);
            }
            float[] dst = new float[cols];
            for (int round = 0; round < 3; round++) {  // interpreted, then compiled code
                MatmulKernels.forType(GgmlType.F16).dequantizeRows(data, 2L * cols, cols, 0, 1, dst);
                for (int i = 0; i < cols; i++) {
                    if (Float.floatToRawIntBits(dst[i]) != Float.floatToRawIntBits(Float16.toFloat((short) i))) {
                        assertThat(Integer.toHexString(Float.floatToRawIntBits(dst[i]))).as("half 0x%04x", i)
                                .isEqualTo(Integer.toHexString(Float.floatToRawIntBits(Float16.toFloat((short) i))));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "Q4_0", "Q8_0", "Q4_K", "Q6_K", "IQ4_NL"})
    void gemmMatchesTheReference(GgmlType type) {
        MatmulKernel kernel = MatmulKernels.forType(type);
        Random random = new Random(31 + type.ordinal());
        int cols = 2 * Math.max(type.blockSize(), 32);
        int rows = 2 * Gemm.ROW_TILE + 3;
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = matrix(arena, type, rows, cols, random);
            for (int n : new int[] {2, Gemm.lanes(), 2 * Gemm.lanes() + 3, 3 * Gemm.lanes()}) {
                float[] x = RandomTensors.gaussian(n * cols, random);
                float[] packed = new float[Gemm.packedLength(n, cols)];
                Gemm.pack(x, n, cols, packed, 0, cols / 2);
                Gemm.pack(x, n, cols, packed, cols / 2, cols);
                float[] out = new float[n * rows];
                float[] tile = new float[Gemm.tileLength(cols)];
                // Two calls over disjoint row ranges, as two threads would split them.
                Gemm.multiply(kernel, m.data(), m.rowBytes(), cols, 0, Gemm.ROW_TILE, packed, n, out, rows, tile);
                Gemm.multiply(kernel, m.data(), m.rowBytes(), cols, Gemm.ROW_TILE, rows, packed, n, out, rows, tile);
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        double[] e = exactDot(m.exact()[r], x, t * cols);
                        assertThat((double) out[t * rows + r]).as("%s n=%d token %d row %d", type, n, t, r)
                                .isCloseTo(e[0], offset(1e-5 * e[1] + 1e-30));
                    }
                }
            }
        }
    }

    /**
     * Once compiled, neither path allocates. Each type is measured in a JVM of its own (with this JVM's vector
     * size): one model per process is what the engine runs, and in a JVM that has pushed many weight types
     * through the shared helpers C2 may compile some kernels past its inlining budget, and they allocate (see
     * hearth-core's pom). Checked where the vector kernels run: 8 or 16 float lanes; with 4 lanes every type
     * takes the scalar reference path.
     *
     * <p>The dedicated gemv kernels ({@link GemvKernels}: Q4_0, Q8_0, F16, Q4_K, Q5_K, Q6_K with 8 or 16 lanes),
     * called with scratch as the engine calls them, must be allocation-free in every fresh JVM: none of their
     * methods passes a vector to a method C2 might not inline. Known defect elsewhere: now and then C2 compiles
     * a row-kernel gemv loop ({@link VectorKernels}' dot, which gemv without scratch and F32/BF16 use) of a
     * fresh JVM with the dot product's vector operations not intrinsified, and that JVM allocates ~10-70 KB per
     * call for good (seen on 2026-11-24 for Q4_K, Q5_K and Q6_K without scratch in about 1 of 10 fresh JVMs with
     * 8 lanes, and for Q6_K with 16; once also Q6_K's dequantizeRows with 16 lanes). For those paths a type
     * passes when one of three fresh JVMs measures all of them allocation-free; all measurements are reported
     * on failure.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"})
    void kernelsDoNotAllocate(GgmlType type) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(MatmulKernels.VECTOR, "scalar fallback on this vector size");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:MaxVectorSize")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MatmulKernelsTest.class.getName(), type.name()));
        List<String> attempts = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(output).isZero();
            String last = output.strip().lines().reduce((a, b) -> b).orElse("");
            assertThat(last).as(output).matches("\\d+ \\d+ \\d+");
            if (GemvKernels.forType(type) != null) {
                assertThat(last).as("%s: bytes allocated by 1000 gemv with scratch (a dedicated kernel), 1000"
                        + " without and 1000 dequantizeRows, in fresh JVM %d; earlier ones: %s", type, attempt + 1,
                        attempts).startsWith("0 ");
            }
            attempts.add(last);
            if (last.equals("0 0 0")) {
                return;
            }
        }
        assertThat(attempts).as("%s: bytes allocated by 1000 gemv with scratch, 1000 without and 1000 dequantizeRows,"
                + " in three JVMs", type).contains("0 0 0");
    }

    /**
     * Measures each type given, one after another in this JVM (several models in one server), and prints per
     * type the bytes that 1000 gemv with scratch (the engine's path), 1000 gemv without it and 1000
     * dequantizeRows allocated.
     */
    public static void main(String[] args) {
        for (String arg : args) {
            System.out.println(measure(GgmlType.valueOf(arg)));
        }
    }

    private static String measure(GgmlType type) {
        MatmulKernel kernel = MatmulKernels.forType(type);
        Random random = new Random(5);
        int cols = 512;
        int rows = 12;
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = matrix(arena, type, rows, cols, random);
            float[] x = RandomTensors.gaussian(cols, random);
            float[] out = new float[rows];
            float[] tile = new float[Gemm.ROW_TILE * cols];
            float[] scratch = new float[MatmulKernel.gemvScratchLength(cols)];
            long withScratch = Long.MAX_VALUE;
            long without = Long.MAX_VALUE;
            long dequantize = Long.MAX_VALUE;
            // Until C2 has compiled every path (seconds on a busy machine); a JVM whose compiled gemv still
            // allocates after 15 s keeps doing so (see kernelsDoNotAllocate).
            long deadline = System.nanoTime() + 15_000_000_000L;
            while ((withScratch > 0 || without > 0 || dequantize > 0) && System.nanoTime() < deadline) {
                for (int i = 0; i < 3000; i++) {
                    kernel.gemv(m.data(), m.rowBytes(), cols, 0, rows, x, 0, out, 0);
                    kernel.gemv(m.data(), m.rowBytes(), cols, 0, rows, x, 0, out, 0, scratch);
                    kernel.dequantizeRows(m.data(), m.rowBytes(), cols, 0, Gemm.ROW_TILE, tile);
                }
                long t0 = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 1000; i++) {
                    kernel.gemv(m.data(), m.rowBytes(), cols, 0, rows, x, 0, out, 0, scratch);
                }
                long t1 = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 1000; i++) {
                    kernel.gemv(m.data(), m.rowBytes(), cols, 0, rows, x, 0, out, 0);
                }
                long t2 = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 1000; i++) {
                    kernel.dequantizeRows(m.data(), m.rowBytes(), cols, 0, Gemm.ROW_TILE, tile);
                }
                withScratch = t1 - t0;
                without = t2 - t1;
                dequantize = threads.getCurrentThreadAllocatedBytes() - t2;
            }
            return withScratch + " " + without + " " + dequantize;
        }
    }
}
