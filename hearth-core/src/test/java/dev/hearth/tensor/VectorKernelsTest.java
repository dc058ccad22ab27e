package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.sun.management.ThreadMXBean;
import dev.hearth.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.Random;
import jdk.incubator.vector.ShortVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Vector kernels against the scalar reference on random rows. Surefire also runs this class with
 * {@code -XX:MaxVectorSize=16} and {@code =32} so that 4- and 8-lane float vectors are covered on a
 * 16-lane machine.
 */
class VectorKernelsTest {

    private static final String VECTOR_TYPES = "F32,F16,BF16,Q8_0,Q4_0,Q4_K,Q5_K,Q6_K";

    @Test
    void preferredSpeciesIsUsable() {
        assertThat(VectorKernels.L).isBetween(4, 16);
        assertThat(VectorKernels.USABLE).isTrue();
        assertThat(VectorKernels.PARTS * VectorKernels.L).isEqualTo(VectorKernels.BL);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void vectorDotMatchesScalarReference(GgmlType type) {
        RowKernel scalar = TensorKernels.scalar(type);
        RowKernel vector = VectorKernels.forType(type, ScalarKernels.forType(type));
        assertThat(vector).isNotNull();
        assertThat(TensorKernels.fastest(type).getClass()).isEqualTo(vector.getClass());
        Random random = new Random(type.ordinal());
        int bs = type.blockSize();
        int[] blockCounts = bs == 1 ? new int[] {1, 3, 15, 16, 17, 31, 64, 100, 1000, 4096}
                : bs == 32 ? new int[] {1, 2, 3, 8, 64, 128} : new int[] {1, 2, 3, 8, 16};
        for (int blocks : blockCounts) {
            for (int trial = 0; trial < 5; trial++) {
                int n = blocks * bs;
                int rows = 3;
                MemorySegment data = MemorySegment.ofArray(RandomTensors.row(type, n * rows, random));
                long rowBytes = type.byteSize(n);
                int xOffset = random.nextInt(5);
                float[] x = RandomTensors.gaussian(n + xOffset + 2, random);
                float[] w = new float[n];
                for (int r = 0; r < rows; r++) {
                    scalar.dequantize(data, r * rowBytes, w, 0, n);
                    double exact = 0;
                    double magnitude = 0;
                    for (int i = 0; i < n; i++) {
                        exact += (double) w[i] * x[xOffset + i];
                        magnitude += Math.abs((double) w[i] * x[xOffset + i]);
                    }
                    double tolerance = 1e-5 * magnitude + 1e-30;
                    float ref = scalar.dot(data, r * rowBytes, x, xOffset, n);
                    float fast = vector.dot(data, r * rowBytes, x, xOffset, n);
                    String what = type + " n=" + n + " row " + r;
                    assertThat((double) ref).as("scalar " + what).isCloseTo(exact, offset(tolerance));
                    assertThat((double) fast).as("vector " + what).isCloseTo(exact, offset(tolerance));
                }
            }
        }
    }

    /** Every binary16 value, including subnormals, infinities and NaN, converts exactly. */
    @Test
    void halfToFloatConvertsEveryHalf() {
        short[] all = new short[0x10000];
        for (int h = 0; h < all.length; h++) {
            all[h] = (short) h;
        }
        MemorySegment data = MemorySegment.ofArray(all);
        float[] converted = new float[all.length];
        int l = VectorKernels.L;
        for (int i = 0; i < all.length; i += l) {
            ShortVector halves = ShortVector.fromMemorySegment(VectorKernels.S, data, 2L * i, ByteOrder.LITTLE_ENDIAN);
            VectorKernels.halfToFloat(halves).intoArray(converted, i);
        }
        for (int h = 0; h < all.length; h++) {
            float expected = Float.float16ToFloat((short) h);
            if (Float.isNaN(expected)) {
                assertThat(converted[h]).as("0x%04x", h).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(converted[h])).as("0x%04x", h)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    /**
     * Once compiled, no kernel allocates: dot runs on every supported type's fastest kernel, over native
     * memory (as a mapped file is) and over a heap segment.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K",
        "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void dotDoesNotAllocate(GgmlType type) {
        int n = 1024;
        Random random = new Random(3);
        byte[] bytes = RandomTensors.row(type, n, random);
        float[] x = RandomTensors.gaussian(n, random);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(bytes.length, 64).copyFrom(MemorySegment.ofArray(bytes));
            assertThat(allocatedBy1000Dots(type, offHeap, x)).as("%s, native segment", type).isZero();
            assertThat(allocatedBy1000Dots(type, MemorySegment.ofArray(bytes), x)).as("%s, heap segment", type)
                    .isZero();
        }
    }

    private static long allocatedBy1000Dots(GgmlType type, MemorySegment data, float[] x) {
        RowKernel kernel = TensorKernels.fastest(type);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        long allocated = Long.MAX_VALUE;
        float sink = 0;
        // Before the JIT compiles the kernel (in the background), vector objects are real objects; retry
        // until a measured round is allocation-free, or give up after a minute (a busy machine's compile queue
        // can take many seconds).
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (allocated > 0 && System.nanoTime() < deadline) {
            for (int i = 0; i < 2_000; i++) {
                sink += kernel.dot(data, 0, x, 0, x.length);
            }
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 1_000; i++) {
                sink += kernel.dot(data, 0, x, 0, x.length);
            }
            allocated = threads.getThreadAllocatedBytes(thread) - before;
        }
        return Float.isNaN(sink) ? -1 : allocated;
    }
}
