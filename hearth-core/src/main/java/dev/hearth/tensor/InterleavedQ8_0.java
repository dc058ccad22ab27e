package dev.hearth.tensor;

import static dev.hearth.tensor.InterleavedMatrix.GROUP_ROWS;
import static dev.hearth.tensor.InterleavedMatrix.convertHalves;
import static dev.hearth.tensor.MatmulKernels.LE;
import static dev.hearth.tensor.TensorBytes.SHORT_LE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 in {@link InterleavedMatrix}'s 32-row groups, multiplied in float with x as floats: each column's 32
 * quant bytes (one per row) widen to two float vectors of 16 rows, times x's element broadcast from memory. That
 * is 3 vector operations per 16 weights (widen, convert, FMA) with x read once per group instead of once per
 * row. The row kernel ({@link GemvKernels#q8_0}) needs about 11 per 32 weights and, for rows of 8192, loses
 * its x from L1 to the streamed weights. One core, Q8_0 matrices streamed from memory (2026-11-24, Zen 4):
 * 2048 x 2048 17.4 -> 23 GB/s, 8192 x 2048 17.5 -> 23, 2048 x 8192 14 -> 21.
 *
 * <p>Why not integers as for the 4-bit types: a product of two 8-bit values already takes 15 bits, so 16-bit
 * lanes cannot sum even two of them, and the Vector API has no widening multiply-add ({@code vpmaddwd}).
 *
 * <p><b>Layout</b> of a group (32 rows): its blocks of 32 columns come in chunks of up to
 * {@value #CHUNK_BLOCKS}, each chunk first the f16 scales ({@code 2 * (32 * i + r)}: block {@code i} of the
 * chunk, row {@code r}), then 1024 quant bytes per block: column {@code c} of row {@code r} at
 * {@code 32 * c + r}. Scales first keep the read sequential, as in {@link InterleavedQ4_0}.
 */
final class InterleavedQ8_0 {
    /** Blocks per chunk: 512 columns, whose 32 x 16 scales convert at once into {@link InterleavedMatrix#TEMP}. */
    static final int CHUNK_BLOCKS = ChunkedBlocks.CHUNK_BLOCKS;
    private static final int BLOCK_BYTES = 34;
    private static final int QUANT_BYTES = 32 * GROUP_ROWS;
    /** Bytes per block of a group: 32 scales and 32 x 32 quant bytes. */
    private static final int GROUP_BLOCK_BYTES = GROUP_ROWS * BLOCK_BYTES;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Bytes of the source of one chunk's row: {@value #CHUNK_BLOCKS} blocks. */
    private static final int CHUNK_ROW_BYTES = CHUNK_BLOCKS * BLOCK_BYTES;
    /** Bytes of {@link #repackGroup}'s staging array. */
    static final int STAGING = ChunkedBlocks.stagingBytes(BLOCK_BYTES);

    private InterleavedQ8_0() {
    }

    // ---- repack -------------------------------------------------------------------------------------------

    /**
     * Writes the group layout of 32 consecutive Q8_0 rows (row r at {@code srcOffset + r * rowBytes}). Each
     * chunk's source is first copied to {@code in} ({@link #STAGING} bytes, reused by the caller) with a constant
     * row stride, as {@link InterleavedQ4_0#repackGroup} does; each 8-byte store then takes one column of 8 rows.
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
                for (int c = 0; c < 32; c++) {
                    int q = quants + QUANT_BYTES * i + 32 * c;
                    int a = i * BLOCK_BYTES + 2 + c;
                    for (int r = 0; r < GROUP_ROWS; r += 8) {
                        long eight = 0;
                        for (int k = 0; k < 8; k++) {
                            eight |= (long) (in[a + (r + k) * CHUNK_ROW_BYTES] & 0xFF) << (8 * k);
                        }
                        LONGS.set(dst, q + r, eight);
                    }
                }
            }
        }
    }

    private static long scaleOffset(int b, int r) {
        return ChunkedBlocks.scaleOffset(BLOCK_BYTES, b, r);
    }

    private static long quantOffset(int blocks, int b) {
        return ChunkedBlocks.quantOffset(BLOCK_BYTES, blocks, b);
    }

    // ---- scalar: single rows --------------------------------------------------------------------------------

    /** Row {@code r} of the group at {@code group}, exactly as the Q8_0 reference ({@code d * q}). */
    static void dequantizeRow(MemorySegment w, long group, int cols, int r, float[] out, int outOffset) {
        int blocks = cols / 32;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(w.get(SHORT_LE, group + scaleOffset(b, r)));
            long q = group + quantOffset(blocks, b) + r;
            for (int c = 0; c < 32; c++) {
                out[outOffset + 32 * b + c] = d * w.get(ValueLayout.JAVA_BYTE, q + 32L * c);
            }
        }
    }

    /** Row {@code r} of a group times float x: per block {@code d * sum(q * x)}, blocks in order. */
    static float dotRow(MemorySegment w, long group, int cols, int r, float[] x, int xOffset) {
        int blocks = cols / 32;
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(w.get(SHORT_LE, group + scaleOffset(b, r)));
            long q = group + quantOffset(blocks, b) + r;
            float block = 0;
            for (int c = 0; c < 32; c++) {
                block += w.get(ValueLayout.JAVA_BYTE, q + 32L * c) * x[xOffset + 32 * b + c];
            }
            sum += d * block;
        }
        return sum;
    }

    /**
     * The scalar reference of the gemv kernel's arithmetic for one row, bit for bit: per block the even and the
     * odd columns each summed by fused multiply-adds in column order, their sum fused-multiplied by the scale
     * into the row's total.
     */
    static float dotReference(MemorySegment w, long group, int cols, int r, float[] x, int xOffset) {
        int blocks = cols / 32;
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(w.get(SHORT_LE, group + scaleOffset(b, r)));
            long q = group + quantOffset(blocks, b) + r;
            float even = 0;
            float odd = 0;
            for (int c = 0; c < 32; c += 2) {
                even = Math.fma(w.get(ValueLayout.JAVA_BYTE, q + 32L * c), x[xOffset + 32 * b + c], even);
                odd = Math.fma(w.get(ValueLayout.JAVA_BYTE, q + 32L * c + 32), x[xOffset + 32 * b + c + 1], odd);
            }
            sum = Math.fma(even + odd, d, sum);
        }
        return sum;
    }

    // ---- prompts: a whole group, column-major ---------------------------------------------------------------

    /** See {@link InterleavedMatrix#dequantizeGroup}: {@code d * q}, the same float operation as the reference. */
    static void dequantizeGroup(MemorySegment w, long base, int cols, float[] dst, float[] temp, int tempOffset) {
        int blocks = cols / 32;
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
                for (int c = 0; c < 32; c++) {
                    // No helper returning the widened vector: a call C2 does not inline returns it boxed.
                    ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 32L * c, LE)
                            .convertShape(VectorOperators.B2F, F, 0)).mul(dLo).intoArray(dst, c0 + 32 * c);
                    ((FloatVector) ByteVector.fromMemorySegment(B128, w, o + 32L * c + 16, LE)
                            .convertShape(VectorOperators.B2F, F, 0)).mul(dHi).intoArray(dst, c0 + 32 * c + 16);
                }
            }
        }
    }

    // ---- generation: matrix-vector ----------------------------------------------------------------------------

    /**
     * {@link InterleavedMatrix#gemv} for Q8_0: float x as it is (nothing to prepare), converted scales at
     * {@link InterleavedMatrix#temp} of the scratch and a partial group's rows at {@link InterleavedMatrix#partial}.
     */
    static void gemv(InterleavedMatrix m, int rowStart, int rowEnd, float[] x, int xOffset, float[] out, int outOffset,
            float[] scratch) {
        int partial = InterleavedMatrix.partial(m.cols);
        int temp = InterleavedMatrix.temp(m.cols);
        for (int g = rowStart / GROUP_ROWS; g * GROUP_ROWS < rowEnd; g++) {
            int first = g * GROUP_ROWS;
            boolean whole = first >= rowStart && first + GROUP_ROWS <= rowEnd;
            group(m.segment(g), m.base(g), m.cols, x, xOffset, scratch, temp, whole ? out : scratch,
                    whole ? outOffset + first : partial);
            if (!whole) {
                for (int r = Math.max(first, rowStart); r < Math.min(first + GROUP_ROWS, rowEnd); r++) {
                    out[outOffset + r] = scratch[partial + r - first];
                }
            }
        }
    }

    /**
     * The 32 dot products of the group at {@code base}, to {@code dst[at .. at + 32)}. Per block, rows 0-15 and
     * 16-31 each sum the even and the odd columns in their own registers (four chains of 16 FMAs, which the
     * FMA's latency needs), then the block's sums times the scales join the totals.
     */
    private static void group(MemorySegment w, long base, int cols, float[] x, int xOffset, float[] scratch, int temp,
            float[] dst, int at) {
        int blocks = cols / 32;
        FloatVector totalLo = FloatVector.zero(F);
        FloatVector totalHi = totalLo;
        for (int b0 = 0; b0 < blocks; b0 += CHUNK_BLOCKS) {
            int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
            long chunk = base + (long) b0 * GROUP_BLOCK_BYTES;
            convertHalves(w, chunk, 32 * nb, scratch, temp);
            long quants = chunk + 64L * nb;
            for (int i = 0; i < nb; i++) {
                long q = quants + (long) QUANT_BYTES * i;
                int xb = xOffset + 32 * (b0 + i);
                FloatVector evenLo = FloatVector.zero(F);
                FloatVector evenHi = evenLo;
                FloatVector oddLo = evenLo;
                FloatVector oddHi = evenLo;
                for (int c = 0; c < 32; c += 2) {
                    FloatVector x0 = FloatVector.broadcast(F, x[xb + c]);
                    FloatVector x1 = FloatVector.broadcast(F, x[xb + c + 1]);
                    evenLo = ((FloatVector) ByteVector.fromMemorySegment(B128, w, q + 32L * c, LE)
                            .convertShape(VectorOperators.B2F, F, 0)).fma(x0, evenLo);
                    evenHi = ((FloatVector) ByteVector.fromMemorySegment(B128, w, q + 32L * c + 16, LE)
                            .convertShape(VectorOperators.B2F, F, 0)).fma(x0, evenHi);
                    oddLo = ((FloatVector) ByteVector.fromMemorySegment(B128, w, q + 32L * c + 32, LE)
                            .convertShape(VectorOperators.B2F, F, 0)).fma(x1, oddLo);
                    oddHi = ((FloatVector) ByteVector.fromMemorySegment(B128, w, q + 32L * c + 48, LE)
                            .convertShape(VectorOperators.B2F, F, 0)).fma(x1, oddHi);
                }
                totalLo = evenLo.add(oddLo).fma(FloatVector.fromArray(F, scratch, temp + 32 * i), totalLo);
                totalHi = evenHi.add(oddHi).fma(FloatVector.fromArray(F, scratch, temp + 32 * i + 16), totalHi);
            }
        }
        totalLo.intoArray(dst, at);
        totalHi.intoArray(dst, at + 16);
    }
}
