package dev.hearth.tensor;

import static dev.hearth.tensor.MatmulKernels.LE;
import static dev.hearth.tensor.TensorBytes.SHORT_LE;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 weights repacked at load into groups of 32 interleaved rows, for 16-bit integer products in
 * generation (what llama.cpp does with its repacked {@code q4_0_8x8} layouts and VNNI, within what the Vector
 * API offers).
 *
 * <p><b>Why.</b> The float Q4_0 kernel ({@link GemvKernels}) needs about 14 vector operations per 18-byte
 * block and runs at 9 GB/s per core, half of what one core must take for generation to reach the memory
 * bandwidth limit on two. Here one 512-bit vector holds 4 nibbles of each of 32 rows (lanes are rows), x is
 * quantized once per projection to 8-bit blocks (llama.cpp's {@code quantize_row_q8_0}), and one 16-bit
 * multiply and one add cover 32 weights; a block's 32 products per row are summed exactly in 16-bit lanes
 * ({@code |q - 8| * |x| <= 8 * 127}, 32 of them at most 32512) and scaled once. One core, 2048 columns: 18-19
 * GB/s in cache, 17 streaming a 256 MiB matrix, against 9 and 8 (2026-11-24, Zen 4).
 *
 * <p><b>Layout</b> ({@link #groupBytes} per group = 32 original rows, so the copy has the file's size). Group
 * {@code g} holds rows {@code [32g, 32g + 32)}; its blocks of 32 columns come in chunks of up to
 * {@value #CHUNK_BLOCKS}, each chunk first the f16 scales ({@code 2 * (32 * i + r)}: block {@code i} of the
 * chunk, row {@code r}) then 512 quant bytes per block. In a block, 64-byte vector {@code j} (0..7) holds for
 * row {@code r} at bytes {@code 64j + 2r, 64j + 2r + 1} the original quant bytes {@code qs[j]} and
 * {@code qs[j + 8]}, i.e. the nibbles of columns {@code j, j + 16, j + 8, j + 24} at bits 0, 4, 8, 12
 * (unsigned, value {@code q - 8}). Scales first in each chunk keep the read strictly sequential (scales at
 * the end of a group measured 11-15 GB/s streaming, against 17): they are converted with a plain
 * {@code Float.float16ToFloat} loop ({@code vcvtph2ps}) into the scratch, 512 floats, then read as vectors.
 *
 * <p><b>Prompts</b> read the same copy ({@link #dequantizeGroup}: a group to floats, column-major, for
 * {@link Gemm#multiplyInterleaved}), so the file's Q4_0 pages are never touched after the repack and
 * resident memory holds the weights once.
 *
 * <p><b>Results</b> differ from the float kernel by x's 8-bit quantization, as llama.cpp's do (its CPU
 * backend quantizes activations the same way for every Q4_0 dot product); the prompt path stays exact.
 * Only machines with 512-bit vectors (16 float lanes) repack: with 256-bit vectors the row kernels run.
 */
public final class InterleavedQ4_0 {
    /** Rows per interleaved group: the 16-bit lanes of a 512-bit vector. */
    public static final int GROUP_ROWS = 32;
    /** Blocks per chunk: 512 columns, whose scales (512 floats) are converted at once. */
    static final int CHUNK_BLOCKS = 16;
    private static final int BLOCK_BYTES = 18;
    /** Bytes per block of a group: 32 scales and 32 x 16 quant bytes. */
    private static final int GROUP_BLOCK_BYTES = GROUP_ROWS * BLOCK_BYTES;
    private static final int QUANT_BYTES = 512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    /** Whether this machine repacks: the kernels are written for 512-bit vectors (see GemvKernels.WIDE). */
    static final boolean SUPPORTED = FloatVector.SPECIES_PREFERRED.length() == 16;

    private InterleavedQ4_0() {
    }

    /** Whether a matrix of {@code type}, {@code rows} x {@code cols} is repacked on this machine. */
    public static boolean applies(GgmlType type, long rows, long cols) {
        return SUPPORTED && type == GgmlType.Q4_0 && rows > 0 && rows % GROUP_ROWS == 0 && cols > 0 && cols % 32 == 0;
    }

    /** Bytes of one group of 32 rows of {@code cols} columns: those rows' bytes in the file. */
    public static long groupBytes(int cols) {
        return (long) (cols / 32) * GROUP_BLOCK_BYTES;
    }

    /**
     * The groups of one repacked matrix, in slabs of equal group counts (the last may hold fewer): one
     * allocation per slab lets the load allocate and fill them on several threads (zeroing one 500 MiB block
     * and faulting its pages in took 0.3-0.5 s on one thread). {@link #rows} views a range of whole groups.
     */
    public static final class Groups {
        private final MemorySegment[] slabs;
        private final int groupsPerSlab;
        private final int first;
        private final int count;
        final int cols;
        private final long groupBytes;

        /** {@code slabs[i]} holds groups {@code [i * groupsPerSlab, ...)}, each {@link #groupBytes} bytes. */
        public Groups(MemorySegment[] slabs, int groupsPerSlab, int groups, int cols) {
            this(slabs.clone(), groupsPerSlab, 0, groups, cols);
            long need = 0;
            for (int i = 0; i < slabs.length; i++) {
                long expected = Math.min(groupsPerSlab, groups - (long) i * groupsPerSlab) * groupBytes;
                if (expected <= 0 || slabs[i].byteSize() < expected) {
                    throw new IllegalArgumentException("slab " + i + " holds " + slabs[i].byteSize() + " bytes, needs "
                            + expected);
                }
                need += expected;
            }
            if (need != groups * groupBytes) {
                throw new IllegalArgumentException(slabs.length + " slabs do not hold " + groups + " groups");
            }
        }

        private Groups(MemorySegment[] slabs, int groupsPerSlab, int first, int count, int cols) {
            this.slabs = slabs;
            this.groupsPerSlab = groupsPerSlab;
            this.first = first;
            this.count = count;
            this.cols = cols;
            this.groupBytes = groupBytes(cols);
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

        /** Rows {@code [start, start + n)}, both multiples of {@link #GROUP_ROWS}, as a matrix of their own. */
        public Groups rows(int start, int n) {
            if (start % GROUP_ROWS != 0 || n % GROUP_ROWS != 0 || start < 0 || n <= 0 || start + n > rows()) {
                throw new IllegalArgumentException("rows " + start + ".." + (start + n) + " of " + rows()
                        + " are not whole groups");
            }
            return new Groups(slabs, groupsPerSlab, first + start / GROUP_ROWS, n / GROUP_ROWS, cols);
        }

        /** Row {@code row} decoded exactly as the Q4_0 reference does, into {@code out[outOffset ..]}. */
        public void dequantizeRow(int row, float[] out, int outOffset) {
            java.util.Objects.checkIndex(row, rows());
            InterleavedQ4_0.dequantizeRow(segment(row / GROUP_ROWS), base(row / GROUP_ROWS), cols, row % GROUP_ROWS,
                    out, outOffset);
        }

        /** Row {@code row} times float x, scalar, without quantizing x (callers without a gemv scratch). */
        public float dotRow(int row, float[] x, int xOffset) {
            java.util.Objects.checkIndex(row, rows());
            return InterleavedQ4_0.dotRow(segment(row / GROUP_ROWS), base(row / GROUP_ROWS), cols, row % GROUP_ROWS,
                    x, xOffset);
        }

        /**
         * {@code out[outOffset + r] = row(r) . x} for rows {@code [rowStart, rowEnd)} with x quantized to 8-bit
         * blocks, prepared once per x in {@code scratch} ({@link MatmulKernel#gemvScratchLength} floats).
         */
        public void gemv(int rowStart, int rowEnd, float[] x, int xOffset, float[] out, int outOffset, float[] scratch) {
            InterleavedQ4_0.gemv(this, rowStart, rowEnd, x, xOffset, out, outOffset, scratch);
        }
    }

    // ---- repack -------------------------------------------------------------------------------------------

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Bytes of the source of one chunk: 32 rows of {@value #CHUNK_BLOCKS} blocks. */
    private static final int CHUNK_ROW_BYTES = CHUNK_BLOCKS * BLOCK_BYTES;

    /**
     * Writes the group layout of 32 consecutive Q4_0 rows: {@code src} from {@code srcOffset} holds them as in
     * the file (row r at {@code srcOffset + r * rowBytes}), {@code dst} receives {@link #groupBytes} bytes at
     * {@code dstOffset}. Each chunk's source (32 rows of 16 blocks) is first copied to a heap array with a
     * constant row stride, so that C2 drops the range checks of the loops below (with the rows' own stride it
     * could not: 1.3 GB/s); each 8-byte store then takes the quant pairs of 4 rows.
     */
    public static void repackGroup(MemorySegment src, long srcOffset, int cols, byte[] dst, int dstOffset) {
        int blocks = cols / 32;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        byte[] in = new byte[GROUP_ROWS * CHUNK_ROW_BYTES];
        for (int b0 = 0; b0 < blocks; b0 += CHUNK_BLOCKS) {
            int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
            for (int r = 0; r < GROUP_ROWS; r++) {
                MemorySegment.copy(src, java.lang.foreign.ValueLayout.JAVA_BYTE,
                        srcOffset + r * rowBytes + (long) b0 * BLOCK_BYTES, in, r * CHUNK_ROW_BYTES, nb * BLOCK_BYTES);
            }
            int chunk = dstOffset + b0 * GROUP_BLOCK_BYTES;
            for (int i = 0; i < nb; i++) {
                for (int r = 0; r < GROUP_ROWS; r++) {
                    int block = r * CHUNK_ROW_BYTES + i * BLOCK_BYTES;
                    dst[chunk + 2 * (32 * i + r)] = in[block];
                    dst[chunk + 2 * (32 * i + r) + 1] = in[block + 1];
                }
            }
            int quants = chunk + 64 * nb;
            for (int i = 0; i < nb; i++) {
                int q = quants + QUANT_BYTES * i;
                for (int j = 0; j < 8; j++) {
                    for (int r = 0; r < GROUP_ROWS; r += 4) {
                        int a = r * CHUNK_ROW_BYTES + i * BLOCK_BYTES + 2 + j;
                        long four = quantPair(in, a) | quantPair(in, a + CHUNK_ROW_BYTES) << 16
                                | quantPair(in, a + 2 * CHUNK_ROW_BYTES) << 32
                                | quantPair(in, a + 3 * CHUNK_ROW_BYTES) << 48;
                        LONGS.set(dst, q + 64 * j + 2 * r, four);
                    }
                }
            }
        }
    }

    /** Quant bytes j and j + 8 of a block ({@code a} at byte j) as one little-endian 16-bit pair. */
    private static long quantPair(byte[] src, int a) {
        return (src[a] & 0xFF) | (src[a + 8] & 0xFF) << 8;
    }

    /** Offset of block {@code b}'s scales and quants in a group: chunk of the block, then its place there. */
    private static long scaleOffset(int b, int r) {
        int b0 = b - b % CHUNK_BLOCKS;
        return (long) b0 * GROUP_BLOCK_BYTES + 2L * (32 * (b - b0) + r);
    }

    private static long quantOffset(int blocks, int b) {
        int b0 = b - b % CHUNK_BLOCKS;
        int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
        return (long) b0 * GROUP_BLOCK_BYTES + 64L * nb + (long) QUANT_BYTES * (b - b0);
    }

    /** Column within a block of nibble {@code k} (bits 4k..4k+3) of vector {@code j}. */
    private static int column(int j, int k) {
        return j + (k == 0 ? 0 : k == 1 ? 16 : k == 2 ? 8 : 24);
    }

    // ---- exact decoding (scalar): single rows ---------------------------------------------------------------

    /** Row {@code r} of the group at {@code group} decoded exactly as the Q4_0 reference does ({@code d * (q - 8)}). */
    private static void dequantizeRow(MemorySegment w, long group, int cols, int r, float[] out, int outOffset) {
        int blocks = cols / 32;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(w.get(SHORT_LE, group + scaleOffset(b, r)));
            long q = group + quantOffset(blocks, b) + 2L * r;
            for (int j = 0; j < 8; j++) {
                int v = w.get(SHORT_LE, q + 64L * j);
                for (int k = 0; k < 4; k++) {
                    out[outOffset + 32 * b + column(j, k)] = d * (((v >>> (4 * k)) & 0xF) - 8);
                }
            }
        }
    }

    /**
     * Row {@code r} of a group times float {@code x} without quantizing x, scalar: for callers without a scratch (never
     * the engine's token loop). Per block {@code d * sum((q - 8) * x)}, blocks added in order.
     */
    private static float dotRow(MemorySegment w, long group, int cols, int r, float[] x, int xOffset) {
        int blocks = cols / 32;
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(w.get(SHORT_LE, group + scaleOffset(b, r)));
            long q = group + quantOffset(blocks, b) + 2L * r;
            float block = 0;
            for (int j = 0; j < 8; j++) {
                int v = w.get(SHORT_LE, q + 64L * j);
                for (int k = 0; k < 4; k++) {
                    block += (((v >>> (4 * k)) & 0xF) - 8) * x[xOffset + 32 * b + column(j, k)];
                }
            }
            sum += d * block;
        }
        return sum;
    }

    // ---- prompts: a whole group, column-major ---------------------------------------------------------------

    /** Floats of temporary space {@link #dequantizeGroup} needs besides its output. */
    static final int DEQUANTIZE_TEMP = 32 * CHUNK_BLOCKS;

    /**
     * The group at {@code base} decoded exactly ({@code d * (q - 8)}, as {@link #dequantizeRow}) into {@code dst}
     * column-major: the weight of its row {@code r}, column {@code c} at {@code dst[32 * c + r]}. {@code temp}
     * holds {@link #DEQUANTIZE_TEMP} floats from {@code tempOffset}.
     */
    static void dequantizeGroup(MemorySegment w, long base, int cols, float[] dst, float[] temp, int tempOffset) {
        int blocks = cols / 32;
        ShortVector eight = ShortVector.broadcast(S, (short) 8);
        for (int b0 = 0; b0 < blocks; b0 += CHUNK_BLOCKS) {
            int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
            long chunk = base + (long) b0 * GROUP_BLOCK_BYTES;
            convertScales(w, chunk, 32 * nb, temp, tempOffset);
            long quants = chunk + 64L * nb;
            for (int i = 0; i < nb; i++) {
                FloatVector dLo = FloatVector.fromArray(F, temp, tempOffset + 32 * i);
                FloatVector dHi = FloatVector.fromArray(F, temp, tempOffset + 32 * i + 16);
                long o = quants + (long) QUANT_BYTES * i;
                int c0 = 32 * 32 * (b0 + i);
                for (int j = 0; j < 8; j++) {
                    ShortVector v = ShortVector.fromMemorySegment(S, w, o + 64L * j, LE);
                    for (int k = 0; k < 4; k++) {
                        ShortVector q = v.lanewise(VectorOperators.LSHR, 4 * k).and((short) 0xF).sub(eight);
                        int at = c0 + 32 * column(j, k);
                        ((FloatVector) ((IntVector) q.convertShape(VectorOperators.S2I, I, 0))
                                .convert(VectorOperators.I2F, 0)).mul(dLo).intoArray(dst, at);
                        ((FloatVector) ((IntVector) q.convertShape(VectorOperators.S2I, I, 1))
                                .convert(VectorOperators.I2F, 0)).mul(dHi).intoArray(dst, at + 16);
                    }
                }
            }
        }
    }

    /** {@code n} f16 scales from {@code w} at {@code offset} to floats: a plain loop C2 turns into vcvtph2ps. */
    private static void convertScales(MemorySegment w, long offset, int n, float[] dst, int dstOffset) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(w.get(SHORT_LE, offset + 2L * i));
        }
    }

    // ---- generation: matrix-vector ----------------------------------------------------------------------------

    /**
     * Floats of scratch: x as 16-bit pairs (cols), per block the -8 correction and x's scale (2 * cols / 32),
     * converted weight scales (512), results of a partial group (32); the tag is {@link GemvKernels}'.
     */
    static int scratchFloats(int cols) {
        return Math.addExact(cols, Math.addExact(cols / 16, DEQUANTIZE_TEMP + GROUP_ROWS));
    }

    /**
     * x quantized as llama.cpp's {@code quantize_row_q8_0}: per block of 32, {@code d = max|x| / 127} (stored
     * rounded to f16, as llama.cpp's block does), {@code q = round(x / d)} to nearest even (its AVX path).
     * Each q is kept as a float whose bits are q's 16 bits twice, so that one 32-bit broadcast load
     * ({@code vbroadcastss}) gives a vector of 32 q's: a 16-bit broadcast costs a shuffle more. These floats
     * are only stored and loaded, never computed with (their bits may spell NaNs, which plain moves keep).
     * Per block: {@code -8 * sum(q)} the same way at {@code cols + b}, and d at {@code cols + blocks + b}.
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
            for (int i = 0; i < 32; i++) {
                int q = (int) Math.rint(x[xb + i] * id);
                sum += q;
                scratch[32 * b + i] = pair(q);
            }
            scratch[cols + b] = pair(-8 * sum);
            scratch[cols + blocks + b] = Float.float16ToFloat(Float.floatToFloat16(d));
        }
    }

    private static float pair(int q) {
        return Float.intBitsToFloat(q & 0xFFFF | q << 16);
    }

    /**
     * {@link Groups#gemv}. Ranges need not be whole groups: a partial group is computed whole into the scratch
     * and the rows asked for copied.
     */
    static void gemv(Groups m, int rowStart, int rowEnd, float[] x, int xOffset, float[] out, int outOffset,
            float[] scratch) {
        int cols = m.cols;
        if (!GemvKernels.prepared(scratch, GemvKernels.Q4_0_INTERLEAVED_LAYOUT, cols, xOffset)) {
            quantizeX(x, xOffset, cols, scratch);
            GemvKernels.markPrepared(scratch, GemvKernels.Q4_0_INTERLEAVED_LAYOUT, cols, xOffset);
        }
        int blocks = cols / 32;
        int scales = cols + 2 * blocks;
        int partial = scales + DEQUANTIZE_TEMP;
        for (int g = rowStart / GROUP_ROWS; g * GROUP_ROWS < rowEnd; g++) {
            int first = g * GROUP_ROWS;
            boolean whole = first >= rowStart && first + GROUP_ROWS <= rowEnd;
            group(m.segment(g), m.base(g), cols, scratch, whole ? out : scratch, whole ? outOffset + first : partial);
            if (!whole) {
                for (int r = Math.max(first, rowStart); r < Math.min(first + GROUP_ROWS, rowEnd); r++) {
                    out[outOffset + r] = scratch[partial + r - first];
                }
            }
        }
    }

    /** The 32 dot products of the group at {@code base}, to {@code dst[at .. at + 32)}. */
    private static void group(MemorySegment w, long base, int cols, float[] xs, float[] dst, int at) {
        int blocks = cols / 32;
        int corrections = cols;
        int xScales = cols + blocks;
        int scales = cols + 2 * blocks;
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int b0 = 0; b0 < blocks; b0 += CHUNK_BLOCKS) {
            int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
            long chunk = base + (long) b0 * GROUP_BLOCK_BYTES;
            convertScales(w, chunk, 32 * nb, xs, scales);
            long quants = chunk + 64L * nb;
            for (int i = 0; i < nb; i++) {
                int b = b0 + i;
                long o = quants + (long) QUANT_BYTES * i;
                int xb = 32 * b;
                // Starts at -8 * sum(q): the nibbles are taken unsigned, and the 16-bit sum wraps around
                // exactly to sum((n - 8) * q), which fits.
                ShortVector acc = FloatVector.broadcast(F, xs[corrections + b]).reinterpretAsShorts();
                for (int j = 0; j < 8; j++) {
                    ShortVector v = ShortVector.fromMemorySegment(S, w, o + 64L * j, LE);
                    acc = acc.add(v.and((short) 0xF)
                            .mul(FloatVector.broadcast(F, xs[xb + j]).reinterpretAsShorts()));
                    acc = acc.add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0xF)
                            .mul(FloatVector.broadcast(F, xs[xb + j + 16]).reinterpretAsShorts()));
                    acc = acc.add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0xF)
                            .mul(FloatVector.broadcast(F, xs[xb + j + 8]).reinterpretAsShorts()));
                    acc = acc.add(v.lanewise(VectorOperators.LSHR, 12)
                            .mul(FloatVector.broadcast(F, xs[xb + j + 24]).reinterpretAsShorts()));
                }
                FloatVector lo = (FloatVector) ((IntVector) acc.convertShape(VectorOperators.S2I, I, 0))
                        .convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) ((IntVector) acc.convertShape(VectorOperators.S2I, I, 1))
                        .convert(VectorOperators.I2F, 0);
                FloatVector dx = FloatVector.broadcast(F, xs[xScales + b]);
                accLo = lo.mul(dx).fma(FloatVector.fromArray(F, xs, scales + 32 * i), accLo);
                accHi = hi.mul(dx).fma(FloatVector.fromArray(F, xs, scales + 32 * i + 16), accHi);
            }
        }
        accLo.intoArray(dst, at);
        accHi.intoArray(dst, at + 16);
    }

    /**
     * The scalar reference of {@link #gemv}'s arithmetic for one row: x quantized as {@link #quantizeX}, exact
     * integer block sums, each scaled by {@code (isum * dx) * d} and added in block order.
     */
    static float dotReference(Groups m, int row, float[] x, int xOffset) {
        int cols = m.cols;
        float[] q = new float[scratchFloats(cols) + 3];
        quantizeX(x, xOffset, cols, q);
        int blocks = cols / 32;
        MemorySegment w = m.segment(row / GROUP_ROWS);
        long group = m.base(row / GROUP_ROWS);
        int r = row % GROUP_ROWS;
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(w.get(SHORT_LE, group + scaleOffset(b, r)));
            long qo = group + quantOffset(blocks, b) + 2L * r;
            int isum = 0;
            for (int j = 0; j < 8; j++) {
                int v = w.get(SHORT_LE, qo + 64L * j);
                for (int k = 0; k < 4; k++) {
                    int xq = (short) Float.floatToRawIntBits(q[32 * b + column(j, k)]);
                    isum += (((v >>> (4 * k)) & 0xF) - 8) * xq;
                }
            }
            sum += isum * q[cols + blocks + b] * d;
        }
        return sum;
    }
}
