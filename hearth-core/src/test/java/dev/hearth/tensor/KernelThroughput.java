package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Rough single-thread throughput of the dot kernels, in GB/s of weight bytes (not a test; run by hand):
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp hearth-core/target/classes:hearth-core/target/test-classes \
 *     dev.hearth.tensor.KernelThroughput [MiB of weights per type, default 1] [types...]
 * </pre>
 *
 * Rows of 4096 elements in native memory (as a mapped file is), dotted with one random x; the best of
 * several timed passes is reported, for the fastest and the scalar kernel. Time is this thread's CPU time,
 * so that other processes on a shared machine disturb the numbers less.
 */
public final class KernelThroughput {

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private KernelThroughput() {
    }

    public static void main(String[] args) {
        double mib = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        GgmlType[] types = args.length > 1 ? new GgmlType[args.length - 1] : new GgmlType[] {GgmlType.F32,
            GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
            GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL,
            GgmlType.IQ4_XS};
        for (int i = 1; i < args.length; i++) {
            types[i - 1] = GgmlType.valueOf(args[i]);
        }
        System.out.printf("float lanes: %d, weights per type: %.1f MiB%n", VectorKernels.L, mib);
        for (GgmlType type : types) {
            int n = 4096;
            long rowBytes = type.byteSize(n);
            int rows = (int) Math.max(1, mib * 1024 * 1024 / rowBytes);
            Random random = new Random(1);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocate(rowBytes * rows, 64);
                for (int r = 0; r < rows; r++) {
                    byte[] row = RandomTensors.row(type, n, random);
                    data.asSlice(r * rowBytes, rowBytes).copyFrom(MemorySegment.ofArray(row));
                }
                float[] x = RandomTensors.gaussian(n, random);
                double fast = measure(TensorKernels.fastest(type), data, rows, rowBytes, x, n);
                double scalar = measure(TensorKernels.scalar(type), data, rows, rowBytes, x, n);
                System.out.printf("%-7s fastest %6.2f GB/s   scalar %6.2f GB/s   (%s)%n", type, fast, scalar,
                        TensorKernels.fastest(type).getClass().getSimpleName()
                                + (TensorKernels.fastest(type) == TensorKernels.scalar(type) ? ", scalar" : ""));
            }
        }
    }

    private static double measure(RowKernel kernel, MemorySegment data, int rows, long rowBytes, float[] x, int n) {
        double best = 0;
        float sink = 0;
        long bytes = rowBytes * rows;
        int passes = (int) Math.max(1, (256L << 20) / bytes);
        for (int trial = 0; trial < 12; trial++) {
            long start = THREADS.getCurrentThreadCpuTime();
            for (int p = 0; p < passes; p++) {
                for (int r = 0; r < rows; r++) {
                    sink += kernel.dot(data, r * rowBytes, x, 0, n);
                }
            }
            long ns = THREADS.getCurrentThreadCpuTime() - start;
            best = Math.max(best, (double) bytes * passes / ns);
        }
        if (sink == 42) {
            System.out.print("");
        }
        return best;
    }
}
