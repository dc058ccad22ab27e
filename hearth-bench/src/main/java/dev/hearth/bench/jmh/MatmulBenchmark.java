package dev.hearth.bench.jmh;

import dev.hearth.gguf.GgmlType;
import dev.hearth.tensor.Gemm;
import dev.hearth.tensor.MatmulKernel;
import dev.hearth.tensor.MatmulKernels;
import dev.hearth.tensor.Quantizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
 * The matmul kernels of one weight type on one thread, over a matrix of Llama-3.2-1B's attention shape
 * (2048 x 2048) in native memory, as a memory-mapped model is:
 * <ul>
 *   <li>{@code gemv}: one activation vector (a generated token). The matrix (2.3 to 16 MiB) is larger than
 *       the L2 cache, so this is close to what one core reaches streaming weights; divide the matrix bytes
 *       by the time for GB/s.</li>
 *   <li>{@code dequantizeRows}: the exact row decoding of the prompt path, all rows six at a time.</li>
 *   <li>{@code gemm}: a 128-token prompt batch through {@link Gemm} (2 * 2048 * 2048 * 128 flops).</li>
 * </ul>
 * Run: {@code java -jar hearth-bench/target/hearth-bench.jar MatmulBenchmark -p type=Q4_0,Q8_0}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {

    private static final int COLS = 2048;
    private static final int ROWS = 2048;
    private static final int BATCH = 128;

    @Param({"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K", "F16", "BF16", "F32"})
    public String type;

    private Arena arena;
    private MemorySegment weights;
    private long rowBytes;
    private MatmulKernel kernel;
    private float[] x;
    private float[] out;
    private float[] packed;
    private float[] tile;
    private float[] gemvScratch;
    private float[] batchOut;

    @Setup(Level.Trial)
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        kernel = MatmulKernels.forType(t);
        rowBytes = t.byteSize(COLS);
        arena = Arena.ofShared();
        weights = arena.allocate(rowBytes * ROWS, 64);
        SplittableRandom random = new SplittableRandom(42);
        float[] row = new float[COLS];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < COLS; i++) {
                row[i] = (float) (random.nextGaussian() * 0.02);
            }
            writeRow(t, row, weights, r * rowBytes, random);
        }
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

    /**
     * One row in {@code t}: through {@link Quantizer} (llama.cpp's rounding) where it can write the type, else
     * random quant bytes under small valid fp16 scales (Q5_K: d and dmin in the first four bytes).
     */
    static void writeRow(GgmlType t, float[] row, MemorySegment dst, long offset, SplittableRandom random) {
        if (Quantizer.canQuantize(t)) {
            Quantizer.quantize(t, row, 0, row.length, dst, offset);
            return;
        }
        long bytes = t.byteSize(row.length);
        for (long i = 0; i < bytes; i++) {
            dst.set(ValueLayout.JAVA_BYTE, offset + i, (byte) random.nextInt());
        }
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long b = 0; b < bytes; b += t.typeSize()) {
            dst.set(half, offset + b, Float.floatToFloat16(1e-3f));
            dst.set(half, offset + b + 2, Float.floatToFloat16(1e-3f));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] gemv() {
        kernel.gemv(weights, rowBytes, COLS, 0, ROWS, x, 0, out, 0, gemvScratch);
        return out;
    }

    @Benchmark
    public float[] dequantizeRows() {
        for (int r = 0; r < ROWS; r += Gemm.ROW_TILE) {
            kernel.dequantizeRows(weights, rowBytes, COLS, r, Math.min(Gemm.ROW_TILE, ROWS - r), tile);
        }
        return tile;
    }

    @Benchmark
    public float[] gemm() {
        Gemm.multiply(kernel, weights, rowBytes, COLS, 0, ROWS, packed, BATCH, batchOut, ROWS, tile);
        return batchOut;
    }
}
