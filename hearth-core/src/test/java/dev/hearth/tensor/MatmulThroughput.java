package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Rough single-thread throughput of the matmul kernels on weights that fit the cache (not a test; run by
 * hand): gemv in GB/s of weight bytes (compute-bound speed: must exceed one core's share of the memory
 * bandwidth) and Gemm in GFLOP/s for a 128-token batch.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp hearth-core/target/classes:hearth-core/target/test-classes \
 *     dev.hearth.tensor.MatmulThroughput [types...]
 * </pre>
 * {@code -Dbytes=N} sets the matrix size (default 1 MiB: in cache), {@code -Dcols=N} the row length (2048),
 * {@code -Dgemm=0} skips the GEMM, and
 * {@code -Dnoscratch=true} runs gemv without the per-thread scratch (the kernels that need none).
 */
public final class MatmulThroughput {
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private MatmulThroughput() {
    }

    public static void main(String[] args) {
        GgmlType[] types = args.length > 0 ? new GgmlType[args.length] : new GgmlType[] {GgmlType.Q4_0,
            GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.F16, GgmlType.Q5_K, GgmlType.BF16, GgmlType.F32};
        for (int i = 0; i < args.length; i++) {
            types[i] = GgmlType.valueOf(args[i]);
        }
        boolean gemm = !"0".equals(System.getProperty("gemm"));
        for (GgmlType type : types) {
            int cols = Integer.getInteger("cols", 2048);
            long rowBytes = type.byteSize(cols);
            long target = Long.getLong("bytes", 1L << 20);
            int rows = (int) Math.max(6, target / rowBytes / 6 * 6);
            Random random = new Random(1);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocate(rowBytes * rows, 64);
                for (int r = 0; r < rows; r++) {
                    data.asSlice(r * rowBytes, rowBytes).copyFrom(MemorySegment.ofArray(RandomTensors.row(type, cols, random)));
                }
                float[] x = RandomTensors.gaussian(cols * 128, random);
                float[] out = new float[Math.max(rows, 6) * (Boolean.parseBoolean(System.getProperty("gemm", "true")) ? 128 : 1)];
                MatmulKernel k = MatmulKernels.forType(type);
                float[] scratch = Boolean.getBoolean("noscratch") ? null : new float[MatmulKernel.gemvScratchLength(cols)];
                double best = 0;
                int passes = (int) Math.max(1, 200 * (1L << 20) / ((long) rows * rowBytes));
                for (int trial = 0; trial < 15; trial++) {
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    for (int p = 0; p < passes; p++) {
                        k.gemv(data, rowBytes, cols, 0, rows, x, 0, out, 0, scratch);
                    }
                    long ns = THREADS.getCurrentThreadCpuTime() - t0;
                    best = Math.max(best, (double) passes * rows * rowBytes / ns);
                }
                float[] rowsTile = new float[6 * cols];
                double bestD = 0;
                for (int trial = 0; trial < 15; trial++) {
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    for (int p = 0; p < passes; p++) {
                        for (int r = 0; r + 6 <= rows; r += 6) {
                            k.dequantizeRows(data, rowBytes, cols, r, 6, rowsTile);
                        }
                    }
                    long ns = THREADS.getCurrentThreadCpuTime() - t0;
                    bestD = Math.max(bestD, (double) passes * (rows / 6 * 6) * rowBytes / ns);
                }
                String g = String.format("   dequant %6.2f GB/s", bestD);
                if (gemm) {
                    int n = 128;
                    float[] packed = new float[Gemm.packedLength(n, cols)];
                    Gemm.pack(x, n, cols, packed, 0, cols);
                    float[] tile = new float[Gemm.tileLength(cols)];
                    double bestG = 0;
                    for (int trial = 0; trial < 6; trial++) {
                        long t0 = THREADS.getCurrentThreadCpuTime();
                        for (int p = 0; p < 3; p++) {
                            Gemm.multiply(k, data, rowBytes, cols, 0, rows, packed, n, out, rows, tile);
                        }
                        long ns = THREADS.getCurrentThreadCpuTime() - t0;
                        bestG = Math.max(bestG, 3.0 * 2 * rows * cols * n / ns);
                    }
                    g += String.format("   gemm %6.1f GFLOP/s", bestG);
                }
                com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) THREADS;
                long a0 = mx.getCurrentThreadAllocatedBytes();
                k.gemv(data, rowBytes, cols, 0, rows, x, 0, out, 0, scratch);
                long a1 = mx.getCurrentThreadAllocatedBytes();
                k.dequantizeRows(data, rowBytes, cols, 0, 6, rowsTile);
                long a2 = mx.getCurrentThreadAllocatedBytes();
                g += String.format("   alloc gemv %d dequant %d", a1 - a0, a2 - a1);
                System.out.printf("%-5s gemv %6.2f GB/s%s%n", type, best, g);
            }
        }
    }
}
