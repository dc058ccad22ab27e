package dev.hearth.tensor;

import static dev.hearth.tensor.InterleavedMatrix.GROUP_ROWS;
import static dev.hearth.tensor.InterleavedMatrix.column;
import static dev.hearth.tensor.InterleavedMatrix.convertHalves;
import static dev.hearth.tensor.MatmulKernels.LE;
import static dev.hearth.tensor.TensorBytes.SHORT_LE;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 in {@link InterleavedMatrix}'s 32-row groups (llama.cpp's repacked {@code q4_0_8x8} layouts serve the
 * same purpose with VNNI): one core, 2048 columns, 17-19 GB/s in cache and 16-17 streaming a 256 MiB matrix,
 * against 9 and 8 for the float kernel (2026-11-24, Zen 4).
 *
 * <p><b>Layout</b> of a group (32 rows): its blocks of 32 columns come in chunks of up to
 * {@value #CHUNK_BLOCKS}, each chunk first the f16 scales ({@code 2 * (32 * i + r)}: block {@code i} of the
 * chunk, row {@code r}) then 512 quant bytes per block. In a block, 64-byte vector {@code j} (0..7) holds for
 * row {@code r} at bytes {@code 64j + 2r, 64j + 2r + 1} the original quant bytes {@code qs[j]} and
 * {@code qs[j + 8]}, i.e. the nibbles of columns {@code j, j + 16, j + 8, j + 24} at bits 0, 4, 8, 12
 * (unsigned, value {@code q - 8}). Scales first in each chunk keep the read strictly sequential (scales at
 * the end of a group measured 11-15 GB/s streaming, against 17): they are converted with a plain
 * {@code Float.float16ToFloat} loop ({@code vcvtph2ps}) into the scratch, then read as vectors.
 */
final class InterleavedQ4_0 {
    /** Blocks per chunk: 512 columns, whose scales (512 floats, {@link InterleavedMatrix#TEMP}) convert at once. */
    static final int CHUNK_BLOCKS = ChunkedBlocks.CHUNK_BLOCKS;
    private static final int BLOCK_BYTES = 18;
    /** Bytes per block of a group: 32 scales and 32 x 16 quant bytes. */
    private static final int GROUP_BLOCK_BYTES = GROUP_ROWS * BLOCK_BYTES;
    private static final int QUANT_BYTES = 512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Bytes of the source of one chunk: 32 rows of {@value #CHUNK_BLOCKS} blocks. */
    private static final int CHUNK_ROW_BYTES = CHUNK_BLOCKS * BLOCK_BYTES;
    /** Bytes of {@link #repackGroup}'s staging array. */
    static final int STAGING = ChunkedBlocks.stagingBytes(BLOCK_BYTES);

    private InterleavedQ4_0() {
    }

    // ---- repack -------------------------------------------------------------------------------------------

    /**
     * Writes the group layout of 32 consecutive Q4_0 rows (row r at {@code srcOffset + r * rowBytes}). Each
     * chunk's source (32 rows of 16 blocks) is first copied to {@code in} ({@link #STAGING} bytes, reused by the
     * caller: a new array per group was half of the load's garbage) with a constant row stride, so
     * that C2 drops the range checks of the loops below (with the rows' own stride it could not: 1.3 GB/s);
     * each 8-byte store then takes the quant pairs of 4 rows.
     */
    static void repackGroup(MemorySegment src, long srcOffset, int cols, byte[] dst, int dstOffset, byte[] in) {
        int blocks = cols / 32;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        for (int b0 = 0; b0 < blocks; b0 += CHUNK_BLOCKS) {
            int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
            int chunk = dstOffset + b0 * GROUP_BLOCK_BYTES;
            ChunkedBlocks.stage(src, srcOffset, rowBytes, BLOCK_BYTES, b0, nb, in, dst, chunk);
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

    private static long scaleOffset(int b, int r) {
        return ChunkedBlocks.scaleOffset(BLOCK_BYTES, b, r);
    }

    private static long quantOffset(int blocks, int b) {
        return ChunkedBlocks.quantOffset(BLOCK_BYTES, blocks, b);
    }

    // ---- scalar: single rows --------------------------------------------------------------------------------

    /** Row {@code r} of the group at {@code group}, exactly as the Q4_0 reference ({@code d * (q - 8)}). */
    static void dequantizeRow(MemorySegment w, long group, int cols, int r, float[] out, int outOffset) {
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

    /** Row {@code r} of a group times float x: per block {@code d * sum((q - 8) * x)}, blocks in order. */
    static float dotRow(MemorySegment w, long group, int cols, int r, float[] x, int xOffset) {
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

    /**
     * The scalar reference of the gemv kernel's arithmetic for one row, x prepared by
     * {@link InterleavedMatrix#quantizeX} in {@code xs}: exact integer block sums, each scaled by
     * {@code (isum * dx) * d} and added in block order.
     */
    static float dotReference(MemorySegment w, long group, int cols, int r, float[] xs) {
        int blocks = cols / 32;
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(w.get(SHORT_LE, group + scaleOffset(b, r)));
            long qo = group + quantOffset(blocks, b) + 2L * r;
            int isum = 0;
            for (int j = 0; j < 8; j++) {
                int v = w.get(SHORT_LE, qo + 64L * j);
                for (int k = 0; k < 4; k++) {
                    isum += (((v >>> (4 * k)) & 0xF) - 8) * InterleavedMatrix.unpair(xs[32 * b + column(j, k)]);
                }
            }
            sum += isum * xs[InterleavedMatrix.xScales(cols) + b] * d;
        }
        return sum;
    }

    // ---- prompts: a whole group, column-major ---------------------------------------------------------------

    /** See {@link InterleavedMatrix#dequantizeGroup}: {@code d * (q - 8)}, the same float operation as the reference. */
    static void dequantizeGroup(MemorySegment w, long base, int cols, float[] dst, float[] temp, int tempOffset) {
        int blocks = cols / 32;
        ShortVector eight = ShortVector.broadcast(S, (short) 8);
        for (int b0 = 0; b0 < blocks; b0 += CHUNK_BLOCKS) {
            int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
            long chunk = base + (long) b0 * GROUP_BLOCK_BYTES;
            convertHalves(w, chunk, 32 * nb, temp, tempOffset);
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

    // ---- generation: matrix-vector ----------------------------------------------------------------------------

    /** {@link InterleavedMatrix#gemv} once x is prepared in {@code xs}. */
    static void gemv(InterleavedMatrix m, int rowStart, int rowEnd, float[] out, int outOffset, float[] xs) {
        int partial = InterleavedMatrix.partial(m.cols);
        for (int g = rowStart / GROUP_ROWS; g * GROUP_ROWS < rowEnd; g++) {
            int first = g * GROUP_ROWS;
            boolean whole = first >= rowStart && first + GROUP_ROWS <= rowEnd;
            group(m.segment(g), m.base(g), m.cols, xs, whole ? out : xs, whole ? outOffset + first : partial);
            if (!whole) {
                for (int r = Math.max(first, rowStart); r < Math.min(first + GROUP_ROWS, rowEnd); r++) {
                    out[outOffset + r] = xs[partial + r - first];
                }
            }
        }
    }

    /**
     * The 32 dot products of the group at {@code base}, to {@code dst[at .. at + 32)}: per chunk of 16 blocks
     * the exact 16-bit block sums ({@link #blockSums}, a method of its own), then the float scaling here. One
     * method doing both was big enough that C2, in a JVM that had run every model type before (GoldenLogitsTest
     * and then this type), stopped inlining the Vector API calls at its end and boxed them: 640 KB allocated
     * per token of a tiny model.
     */
    private static void group(MemorySegment w, long base, int cols, float[] xs, float[] dst, int at) {
        int blocks = cols / 32;
        int xScales = InterleavedMatrix.xScales(cols);
        int scales = InterleavedMatrix.temp(cols);
        int sums = scales + 32 * CHUNK_BLOCKS;
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int b0 = 0; b0 < blocks; b0 += CHUNK_BLOCKS) {
            int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
            long chunk = base + (long) b0 * GROUP_BLOCK_BYTES;
            convertHalves(w, chunk, 32 * nb, xs, scales);
            blockSums(w, chunk + 64L * nb, nb, xs, b0, InterleavedMatrix.corrections(cols), xs, sums);
            for (int i = 0; i < nb; i++) {
                FloatVector dx = FloatVector.broadcast(F, xs[xScales + b0 + i]);
                accLo = FloatVector.fromArray(F, xs, sums + 32 * i).mul(dx)
                        .fma(FloatVector.fromArray(F, xs, scales + 32 * i), accLo);
                accHi = FloatVector.fromArray(F, xs, sums + 32 * i + 16).mul(dx)
                        .fma(FloatVector.fromArray(F, xs, scales + 32 * i + 16), accHi);
            }
        }
        accLo.intoArray(dst, at);
        accHi.intoArray(dst, at + 16);
    }

    /**
     * For blocks {@code b0 .. b0 + nb} (quants from {@code quants}), the 32 rows' exact sums
     * {@code sum((n - 8) * q)} as floats to {@code dst[at + 32 * i ..]}. Also Q4_K's sub-blocks (same layout).
     */
    static void blockSums(MemorySegment w, long quants, int nb, float[] xs, int b0, int corrections,
            float[] dst, int at) {
        for (int i = 0; i < nb; i++) {
            long o = quants + (long) QUANT_BYTES * i;
            int xb = 32 * (b0 + i);
            // Starts at -8 * sum(q) and wraps around exactly to sum((n - 8) * q) (see InterleavedMatrix).
            ShortVector acc = FloatVector.broadcast(F, xs[corrections + b0 + i]).reinterpretAsShorts();
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
            ((FloatVector) ((IntVector) acc.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0))
                    .intoArray(dst, at + 32 * i);
            ((FloatVector) ((IntVector) acc.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0))
                    .intoArray(dst, at + 32 * i + 16);
        }
    }
}
