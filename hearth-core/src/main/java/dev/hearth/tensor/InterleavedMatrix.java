package dev.hearth.tensor;

import static dev.hearth.tensor.TensorBytes.SHORT_LE;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;

/**
 * A weight matrix repacked at load into groups of 32 interleaved rows, for 16-bit integer products in
 * generation: {@link InterleavedQ4_0}, {@link InterleavedQ4_K}, {@link InterleavedQ5_K} and {@link InterleavedQ6_K} define the layouts
 * and kernels, this class holds the repacked groups and what the kernels share, x quantized to 8-bit blocks.
 * {@link InterleavedQ8_0} uses the same groups with float products (its class comment says why).
 *
 * <p><b>Why.</b> The float kernels of {@link GemvKernels} need about 14 vector operations per 32 4-bit weights
 * and run at about 9 GB/s per core, half of what each of two cores must take for generation to reach the
 * memory bandwidth limit. With lanes as rows, one 512-bit vector holds 4 nibbles of each of 32 rows; x is
 * quantized once per projection to 8-bit blocks of 32 (llama.cpp's {@code quantize_row_q8_0}, which its CPU
 * backend applies for every quantized dot product), and one 16-bit multiply and one add cover 32 weights.
 * A block's products per row are summed exactly in 16-bit lanes: the nibbles are taken unsigned and the sum
 * starts at {@code -8 * sum(q)}, so the wrapping 16-bit arithmetic ends at {@code sum((n - 8) * q)}, whose
 * size ({@code <= 32 * 8 * 127}) fits. The sum is then scaled in float once per block and row.
 *
 * <p><b>Storage.</b> A group of 32 rows takes exactly the bytes of those rows in the file. Groups live in
 * slabs of about 1 MiB (one allocation each, so that the load allocates and fills them on several threads;
 * zeroing and faulting one 500 MiB block took 0.3-0.5 s on one thread). The prompt path reads the same copy
 * ({@link #dequantizeGroup}, for {@link Gemm#multiplyInterleaved}), so the file's pages are not needed after
 * the repack and resident memory holds the weights once.
 *
 * <p>Only machines with 512-bit vectors (16 float lanes) repack; elsewhere the row kernels run.
 */
public final class InterleavedMatrix {
    /** Rows per interleaved group: the 16-bit lanes of a 512-bit vector. */
    public static final int GROUP_ROWS = 32;
    /** Whether this machine repacks (from the species, as GemvKernels.WIDE: no class-initialization cycle). */
    static final boolean SUPPORTED = FloatVector.SPECIES_PREFERRED.length() == 16;
    /**
     * Floats of temporary space for converted scales (and Q4_0's block sums), in the gemv scratch and the prompt
     * tile: Q4_0 512 + 512, Q4_K and Q5_K 576, Q6_K 544.
     */
    static final int TEMP = 1024;

    private final GgmlType type;
    private final MemorySegment[] slabs;
    private final int groupsPerSlab;
    private final int first;
    private final int count;
    final int cols;
    private final long groupBytes;

    /**
     * The repacked groups of a {@code type} matrix: {@code slabs[i]} holds groups {@code [i * groupsPerSlab,
     * ...)}, each {@link #groupBytes} bytes, written by {@link #repackGroup}.
     */
    public InterleavedMatrix(GgmlType type, MemorySegment[] slabs, int groupsPerSlab, int groups, int cols) {
        this(type, slabs.clone(), groupsPerSlab, 0, groups, cols);
        if (!applies(type, (long) groups * GROUP_ROWS, cols)) {
            throw new IllegalArgumentException(type + " " + cols + " columns is not repacked here");
        }
        long held = 0;
        for (int i = 0; i < slabs.length; i++) {
            long expected = Math.min(groupsPerSlab, groups - (long) i * groupsPerSlab) * groupBytes;
            if (expected <= 0 || slabs[i].byteSize() < expected) {
                throw new IllegalArgumentException("slab " + i + " holds " + slabs[i].byteSize() + " bytes, needs "
                        + expected);
            }
            held += expected;
        }
        if (held != groups * groupBytes) {
            throw new IllegalArgumentException(slabs.length + " slabs do not hold " + groups + " groups");
        }
    }

    private InterleavedMatrix(GgmlType type, MemorySegment[] slabs, int groupsPerSlab, int first, int count,
            int cols) {
        this.type = type;
        this.slabs = slabs;
        this.groupsPerSlab = groupsPerSlab;
        this.first = first;
        this.count = count;
        this.cols = cols;
        this.groupBytes = groupBytes(type, cols);
    }

    /** Whether this machine repacks any matrices (it has 512-bit vectors). */
    public static boolean repacksHere() {
        return SUPPORTED;
    }

    /** Whether a {@code type} matrix of {@code rows} x {@code cols} is repacked on this machine. */
    public static boolean applies(GgmlType type, long rows, long cols) {
        if (!SUPPORTED || rows <= 0 || rows % GROUP_ROWS != 0 || cols <= 0 || cols > Integer.MAX_VALUE / GROUP_ROWS) {
            return false;
        }
        return switch (type) {
            case Q4_0, Q8_0 -> cols % 32 == 0;
            case Q4_K, Q5_K, Q6_K -> cols % 256 == 0;
            default -> false;
        };
    }

    /** Bytes of one group: the 32 rows' bytes in the file. */
    public static long groupBytes(GgmlType type, int cols) {
        return GROUP_ROWS * type.byteSize(cols);
    }

    /**
     * Writes the layout of 32 consecutive rows of {@code type}: {@code src} from {@code srcOffset} holds them as
     * in the file, {@code dst} receives {@link #groupBytes} bytes at {@code dstOffset}. Allocates its staging
     * arrays; a loop over many groups uses a {@link Repacker}.
     */
    public static void repackGroup(GgmlType type, MemorySegment src, long srcOffset, int cols, byte[] dst,
            int dstOffset) {
        new Repacker().repackGroup(type, src, srcOffset, cols, dst, dstOffset);
    }

    /** {@link #repackGroup} with staging arrays reused from call to call: one per thread. */
    public static final class Repacker {
        private final byte[] in = new byte[Math.max(Math.max(InterleavedQ4_0.STAGING, InterleavedQ8_0.STAGING),
                Math.max(InterleavedQ4_K.STAGING_IN, InterleavedQ5_K.STAGING_IN))];
        private final byte[] blocks = new byte[InterleavedQ4_K.STAGING_BLOCKS];

        public void repackGroup(GgmlType type, MemorySegment src, long srcOffset, int cols, byte[] dst, int dstOffset) {
            switch (type) {
                case Q4_0 -> InterleavedQ4_0.repackGroup(src, srcOffset, cols, dst, dstOffset, in);
                case Q8_0 -> InterleavedQ8_0.repackGroup(src, srcOffset, cols, dst, dstOffset, in);
                case Q4_K -> InterleavedQ4_K.repackGroup(src, srcOffset, cols, dst, dstOffset, in, blocks);
                case Q5_K -> InterleavedQ5_K.repackGroup(src, srcOffset, cols, dst, dstOffset, in, blocks);
                case Q6_K -> InterleavedQ6_K.repackGroup(src, srcOffset, cols, dst, dstOffset);
                default -> throw new IllegalArgumentException(type + " is not repacked");
            }
        }
    }

    public GgmlType type() {
        return type;
    }

    public int rows() {
        return count * GROUP_ROWS;
    }

    public int cols() {
        return cols;
    }

    MemorySegment segment(int g) {
        return slabs[(first + g) / groupsPerSlab];
    }

    long base(int g) {
        return (long) ((first + g) % groupsPerSlab) * groupBytes;
    }

    /**
     * The memory the products read, as views of the slabs in group order: one view per slab this matrix
     * touches (a matrix made by {@link #rows} covers only part of its first and last slab).
     */
    public java.util.List<MemorySegment> regions() {
        java.util.List<MemorySegment> out = new java.util.ArrayList<>();
        int g = 0;
        while (g < count) {
            int inSlab = (first + g) % groupsPerSlab;
            int n = Math.min(count - g, groupsPerSlab - inSlab);
            out.add(segment(g).asSlice(base(g), n * groupBytes));
            g += n;
        }
        return out;
    }

    /** Rows {@code [start, start + n)}, both multiples of {@link #GROUP_ROWS}, as a matrix of their own. */
    public InterleavedMatrix rows(int start, int n) {
        if (start % GROUP_ROWS != 0 || n % GROUP_ROWS != 0 || start < 0 || n <= 0 || start + n > rows()) {
            throw new IllegalArgumentException("rows " + start + ".." + (start + n) + " of " + rows()
                    + " are not whole groups");
        }
        return new InterleavedMatrix(type, slabs, groupsPerSlab, first + start / GROUP_ROWS, n / GROUP_ROWS, cols);
    }

    /** Row {@code row} decoded exactly as the type's scalar reference does, into {@code out[outOffset ..]}. */
    public void dequantizeRow(int row, float[] out, int outOffset) {
        Objects.checkIndex(row, rows());
        Objects.checkFromIndexSize(outOffset, cols, out.length);
        int g = row / GROUP_ROWS;
        switch (type) {
            case Q4_0 -> InterleavedQ4_0.dequantizeRow(segment(g), base(g), cols, row % GROUP_ROWS, out, outOffset);
            case Q8_0 -> InterleavedQ8_0.dequantizeRow(segment(g), base(g), cols, row % GROUP_ROWS, out, outOffset);
            case Q4_K -> InterleavedQ4_K.dequantizeRow(segment(g), base(g), cols, row % GROUP_ROWS, out, outOffset);
            case Q5_K -> InterleavedQ5_K.dequantizeRow(segment(g), base(g), cols, row % GROUP_ROWS, out, outOffset);
            case Q6_K -> InterleavedQ6_K.dequantizeRow(segment(g), base(g), cols, row % GROUP_ROWS, out, outOffset);
            default -> throw new AssertionError(type);
        }
    }

    /**
     * Row {@code row} times float x, scalar, without quantizing x: for callers without a gemv scratch (never
     * the engine's token loop). The exact weights times x, added in column order.
     */
    public float dotRow(int row, float[] x, int xOffset) {
        Objects.checkIndex(row, rows());
        Objects.checkFromIndexSize(xOffset, cols, x.length);
        int g = row / GROUP_ROWS;
        return switch (type) {
            case Q4_0 -> InterleavedQ4_0.dotRow(segment(g), base(g), cols, row % GROUP_ROWS, x, xOffset);
            case Q8_0 -> InterleavedQ8_0.dotRow(segment(g), base(g), cols, row % GROUP_ROWS, x, xOffset);
            case Q4_K -> InterleavedQ4_K.dotRow(segment(g), base(g), cols, row % GROUP_ROWS, x, xOffset);
            case Q5_K -> InterleavedQ5_K.dotRow(segment(g), base(g), cols, row % GROUP_ROWS, x, xOffset);
            case Q6_K -> InterleavedQ6_K.dotRow(segment(g), base(g), cols, row % GROUP_ROWS, x, xOffset);
            default -> throw new AssertionError(type);
        };
    }

    /**
     * {@code out[outOffset + r] = row(r) . x} for rows {@code [rowStart, rowEnd)} with x quantized to 8-bit
     * blocks (Q8_0: float x, see {@link InterleavedQ8_0}), prepared once per x in {@code scratch} ({@link MatmulKernel#gemvScratchLength} floats; the
     * caller invalidates it when x changes). Ranges need not be whole groups: a partial group is computed
     * whole into the scratch and the rows asked for copied.
     */
    public void gemv(int rowStart, int rowEnd, float[] x, int xOffset, float[] out, int outOffset, float[] scratch) {
        if (type == GgmlType.Q8_0) {
            // Float x as it is: its own method, so that neither loop inlines the other's kernel.
            InterleavedQ8_0.gemv(this, rowStart, rowEnd, x, xOffset, out, outOffset, scratch);
            return;
        }
        if (!GemvKernels.prepared(scratch, GemvKernels.INT8_BLOCKS_LAYOUT, cols, xOffset)) {
            quantizeX(x, xOffset, cols, scratch);
            GemvKernels.markPrepared(scratch, GemvKernels.INT8_BLOCKS_LAYOUT, cols, xOffset);
        }
        // One loop per type, each calling only its own kernel: a method that could inline both kernels
        // risks C2's node budget, and then vectors are boxed.
        switch (type) {
            case Q4_0 -> InterleavedQ4_0.gemv(this, rowStart, rowEnd, out, outOffset, scratch);
            case Q4_K -> InterleavedQ4_K.gemv(this, rowStart, rowEnd, out, outOffset, scratch);
            case Q5_K -> InterleavedQ5_K.gemv(this, rowStart, rowEnd, out, outOffset, scratch);
            case Q6_K -> InterleavedQ6_K.gemv(this, rowStart, rowEnd, out, outOffset, scratch);
            default -> throw new AssertionError(type);
        }
    }

    /**
     * Group {@code g} decoded exactly into {@code dst} column-major: row {@code r}, column {@code c} at
     * {@code dst[32 * c + r]}; {@code temp} holds {@link #TEMP} floats from {@code tempOffset}.
     */
    void dequantizeGroup(int g, float[] dst, float[] temp, int tempOffset) {
        switch (type) {
            case Q4_0 -> InterleavedQ4_0.dequantizeGroup(segment(g), base(g), cols, dst, temp, tempOffset);
            case Q8_0 -> InterleavedQ8_0.dequantizeGroup(segment(g), base(g), cols, dst, temp, tempOffset);
            case Q4_K -> InterleavedQ4_K.dequantizeGroup(segment(g), base(g), cols, dst, temp, tempOffset);
            case Q5_K -> InterleavedQ5_K.dequantizeGroup(segment(g), base(g), cols, dst, temp, tempOffset);
            case Q6_K -> InterleavedQ6_K.dequantizeGroup(segment(g), base(g), cols, dst, temp, tempOffset);
            default -> throw new AssertionError(type);
        }
    }

    // ---- x as 8-bit blocks, shared by the kernels ----------------------------------------------------------

    /**
     * Floats of gemv scratch: x as 16-bit pairs (cols), per block of 32 the -8 correction, x's scale and
     * {@code scale * sum(q)} (3 * cols / 32), per 8 columns the -32 correction (cols / 8), per block the 8 bit
     * planes of q (cols / 4), converted weight scales ({@link #TEMP}), results of a partial group (32); the tag
     * is {@link GemvKernels}'.
     */
    static int scratchFloats(int cols) {
        return Math.addExact(cols, Math.addExact(3 * (cols / 32) + cols / 8 + cols / 4, TEMP + GROUP_ROWS));
    }

    /**
     * Scratch offset of the -8 corrections, x scales, scaled sums, -32 corrections of 8 columns, weight scales,
     * partial results.
     */
    static int corrections(int cols) {
        return cols;
    }

    static int xScales(int cols) {
        return cols + cols / 32;
    }

    static int scaledSums(int cols) {
        return cols + 2 * (cols / 32);
    }

    static int eighths(int cols) {
        return cols + 3 * (cols / 32);
    }

    static int bitPlanes(int cols) {
        return eighths(cols) + cols / 8;
    }

    static int temp(int cols) {
        return bitPlanes(cols) + cols / 4;
    }

    static int partial(int cols) {
        return temp(cols) + TEMP;
    }

    /**
     * x quantized as llama.cpp's {@code quantize_row_q8_0}: per block of 32, {@code d = max|x| / 127} (stored
     * rounded to f16, as llama.cpp's block does), {@code q = round(x / d)} to nearest even (its AVX path).
     * Each q is kept as a float whose bits are q's 16 bits twice, so that one 32-bit broadcast load
     * ({@code vbroadcastss}) gives a vector of 32 q's: a 16-bit broadcast costs a shuffle more. These floats
     * are only stored and loaded, never computed with (their bits may spell NaNs, which plain moves keep).
     * Per block b: {@code -8 * sum(q)} the same way at {@link #corrections}, d at {@link #xScales} and
     * {@code d * sum(q)} at {@link #scaledSums} (the sum of x that Q4_K's mins multiply); per 8 columns
     * {@code -32 * sum(q)} at {@link #eighths} (Q6_K's sums are exact over 8 columns, not 32); per block its
     * q's 8 bit planes at {@link #bitPlanes} + 8b + p, the 32-bit word whose bit c is bit p of column c's q in
     * two's complement (Q5_K's fifth bits are summed against them with popcounts).
     */
    static void quantizeX(float[] x, int xOffset, int cols, float[] scratch) {
        int blocks = cols / 32;
        for (int b = 0; b < blocks; b++) {
            int xb = xOffset + 32 * b;
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[xb + i]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            int sum = 0;
            int planes = bitPlanes(cols) + 8 * b;
            for (int e = 0; e < 4; e++) {
                int eighth = 0;
                long bytes = 0;
                for (int i = 8 * e; i < 8 * e + 8; i++) {
                    int q = (int) Math.rint(x[xb + i] * id);
                    eighth += q;
                    scratch[32 * b + i] = pair(q);
                    bytes |= (long) (q & 0xFF) << (8 * (i - 8 * e));
                }
                scratch[eighths(cols) + 4 * b + e] = pair(-32 * eighth);
                sum += eighth;
                // Bit p of the eighth's 8 q bytes, gathered by Long.compress (one pext), is byte e of plane p.
                for (int p = 0; p < 8; p++) {
                    int bits = (int) Long.compress(bytes, 0x0101010101010101L << p) << (8 * e);
                    int plane = e == 0 ? 0 : Float.floatToRawIntBits(scratch[planes + p]);
                    scratch[planes + p] = Float.intBitsToFloat(plane | bits);
                }
            }
            float stored = Float.float16ToFloat(Float.floatToFloat16(d));
            scratch[corrections(cols) + b] = pair(-8 * sum);
            scratch[xScales(cols) + b] = stored;
            scratch[scaledSums(cols) + b] = stored * sum;
        }
    }

    private static float pair(int q) {
        return Float.intBitsToFloat(q & 0xFFFF | q << 16);
    }

    /** The 16-bit value of a {@link #quantizeX} pair. */
    static int unpair(float pair) {
        return (short) Float.floatToRawIntBits(pair);
    }

    /** {@code n} f16 values from {@code w} at {@code offset} to floats: a plain loop C2 turns into vcvtph2ps. */
    static void convertHalves(MemorySegment w, long offset, int n, float[] dst, int dstOffset) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(w.get(SHORT_LE, offset + 2L * i));
        }
    }

    /** Column within a 32-column block of nibble {@code k} (bits 4k..4k+3) of vector {@code j}. */
    static int column(int j, int k) {
        return j + (k == 0 ? 0 : k == 1 ? 16 : k == 2 ? 8 : 24);
    }

    @Override
    public String toString() {
        return type + " " + rows() + " x " + cols + " in " + count + " interleaved groups";
    }
}
