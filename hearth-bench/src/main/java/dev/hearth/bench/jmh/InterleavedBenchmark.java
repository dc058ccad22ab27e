package dev.hearth.bench.jmh;

import dev.hearth.gguf.GgmlType;
import dev.hearth.tensor.Gemm;
import dev.hearth.tensor.InterleavedMatrix;
import dev.hearth.tensor.MatmulKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The repacked (interleaved 32-row) kernels of Q4_0, Q4_K, Q5_K and Q6_K on one thread, over the same 2048 x 2048
 * matrix as {@link MatmulBenchmark} (compare its {@code gemv} and {@code gemm} for the row kernels):
 * <ul>
 *   <li>{@code gemv}: one token, x quantized to 8-bit blocks first (as once per projection), then the 16-bit
 *       integer kernel over all 64 groups.</li>
 *   <li>{@code gemm}: a 128-token batch, each group decoded once column-major and multiplied by the 8-row
 *       micro-kernel.</li>
 *   <li>{@code repack}: the load-time repack of the whole matrix from the file's layout.</li>
 * </ul>
 * Needs 512-bit vectors (elsewhere nothing is repacked and setup fails with a clear message). Run:
 * {@code java -jar hearth-bench/target/hearth-bench.jar InterleavedBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class InterleavedBenchmark {

    private static final int COLS = 2048;
    private static final int ROWS = 2048;
    private static final int BATCH = 128;

    @Param({"Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    private GgmlType t;
    private Arena arena;
    private MemorySegment rows;
    private byte[] repacked;
    private InterleavedMatrix matrix;
    private float[] x;
    private float[] out;
    private float[] packed;
    private float[] tile;
    private float[] gemvScratch;
    private float[] batchOut;

    @Setup(Level.Trial)
    public void setUp() {
        t = GgmlType.valueOf(type);
        if (!InterleavedMatrix.applies(t, ROWS, COLS)) {
            throw new IllegalStateException(type + " is not repacked on this machine (needs 512-bit vectors)");
        }
        long rowBytes = t.byteSize(COLS);
        arena = Arena.ofShared();
        rows = arena.allocate(rowBytes * ROWS, 64);
        SplittableRandom random = new SplittableRandom(42);
        float[] row = new float[COLS];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < COLS; i++) {
                row[i] = (float) (random.nextGaussian() * 0.02);
            }
            MatmulBenchmark.writeRow(t, row, rows, r * rowBytes, random);
        }
        int groupBytes = Math.toIntExact(InterleavedMatrix.groupBytes(t, COLS));
        int groups = ROWS / InterleavedMatrix.GROUP_ROWS;
        repacked = new byte[groupBytes * groups];
        repack();
        MemorySegment slab = arena.allocate(repacked.length, 64);
        MemorySegment.copy(repacked, 0, slab, ValueLayout.JAVA_BYTE, 0, repacked.length);
        matrix = new InterleavedMatrix(t, new MemorySegment[] {slab}, groups, groups, COLS);
        x = new float[COLS * BATCH];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        out = new float[ROWS];
        packed = new float[Gemm.packedLength(BATCH, COLS)];
        Gemm.pack(x, BATCH, COLS, packed, 0, COLS);
        tile = new float[Gemm.tileLength(COLS)];
        gemvScratch = new float[MatmulKernel.gemvScratchLength(COLS)];
        batchOut = new float[ROWS * BATCH];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] gemv() {
        MatmulKernel.invalidateGemvScratch(gemvScratch);
        matrix.gemv(0, ROWS, x, 0, out, 0, gemvScratch);
        return out;
    }

    @Benchmark
    public float[] gemm() {
        Gemm.multiplyInterleaved(matrix, 0, ROWS, packed, BATCH, batchOut, ROWS, tile);
        return batchOut;
    }

    @Benchmark
    public byte[] repack() {
        int groupBytes = repacked.length / (ROWS / InterleavedMatrix.GROUP_ROWS);
        for (int g = 0; g < ROWS / InterleavedMatrix.GROUP_ROWS; g++) {
            InterleavedMatrix.repackGroup(t, rows, (long) g * groupBytes, COLS, repacked, g * groupBytes);
        }
        return repacked;
    }
}
