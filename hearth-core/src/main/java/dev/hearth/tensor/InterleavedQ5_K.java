package dev.hearth.tensor;

import static dev.hearth.tensor.InterleavedMatrix.GROUP_ROWS;
import static dev.hearth.tensor.InterleavedMatrix.column;
import static dev.hearth.tensor.InterleavedQ4_K.PLANES;
import static dev.hearth.tensor.InterleavedQ4_K.QUANTS;
import static dev.hearth.tensor.InterleavedQ4_K.T_DMIN;
import static dev.hearth.tensor.InterleavedQ4_K.T_MINS;
import static dev.hearth.tensor.InterleavedQ4_K.T_SCALES;
import static dev.hearth.tensor.InterleavedQ4_K.scaleMin;
import static dev.hearth.tensor.MatmulKernels.LE;
import static dev.hearth.tensor.TensorBytes.INT_LE;
import static dev.hearth.tensor.TensorBytes.SHORT_LE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_K in {@link InterleavedMatrix}'s 32-row groups: {@link InterleavedQ4_K}'s layout and kernel plus each
 * value's fifth bit. The row kernel for Q5_K ran at about 7.5 GB/s per core, half of what each of two cores
 * must take for generation to reach the memory bandwidth limit.
 *
 * <p><b>Layout.</b> A block_q5_K (176 bytes per row and 256 columns: f16 d and dmin, 12 scale bytes, 32 bytes
 * {@code qh} of fifth bits, 128 bytes {@code qs} of nibbles; value {@code (d * sc) * q - dmin * m} with
 * {@code q = nibble | bit << 4}, the bit of column {@code 32s + l} being bit {@code s} of {@code qh[l]}) takes,
 * for the 32 rows of a group, 5632 bytes: Q4_K's d, dmin and 12 scale planes (512 bytes, see
 * {@link InterleavedQ4_K#repackScalesAndNibbles}), then per sub-block {@code s} (32 columns) 640 bytes: the
 * nibbles in {@link InterleavedQ4_0}'s block layout (512 bytes), then per row {@code r} a 32-bit word whose
 * bit {@code c} is the fifth bit of column c ({@value #MASKS} + 4r: two vectors of 16 int lanes).
 *
 * <p><b>Kernel.</b> Per sub-block, the nibbles' sums are Q4_K's (exact in 16 bits from {@code -8 * sum(q)}). The
 * fifth bits' sums {@code sum(bit(r, c) * q[c])} come from x's bit planes ({@link InterleavedMatrix#quantizeX}:
 * word p has bit c = bit p of q[c]): {@code sum over p of 2^p * popcount(word(r) & plane(p))}, bit 7 weighing
 * -128, eight AND + VPOPCNTD + shift + add per 16 rows. Then per row, in 32 bits,
 * {@code sum((q5 - 8) * q) = nibbles + 16 * fifth bits}, and from there Q4_K's formula. (A first version added
 * x to a second 16-bit sum under a lane mask loaded per column: 256 µs against 219 µs for a 2048 x 2048 matrix
 * on one core; Q4_K, without fifth bits, 176 µs.)
 */
final class InterleavedQ5_K {
    private static final int SUPER_BLOCK_BYTES = 176;
    /** Bytes of one super-block of a group. */
    private static final int GROUP_SUPER_BYTES = GROUP_ROWS * SUPER_BLOCK_BYTES;
    /** Bytes of one sub-block of a group: the nibbles, then the fifth bits' masks. */
    private static final int SUB_BLOCK_BYTES = 640;
    /** Offset of the fifth bits' masks in a sub-block. */
    private static final int MASKS = 512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Bytes of {@link #repackGroup}'s staging array: one super-block of the 32 rows. */
    static final int STAGING_IN = GROUP_SUPER_BYTES;

    private InterleavedQ5_K() {
    }

    // ---- repack -------------------------------------------------------------------------------------------

    /**
     * Writes the group layout of 32 consecutive Q5_K rows (row r at {@code srcOffset + r * rowBytes}): per
     * super-block the rows are copied to {@code in}, Q4_K's part is written by
     * {@link InterleavedQ4_K#repackScalesAndNibbles} (nibbles at offset 48 of a block), then the fifth bits.
     */
    static void repackGroup(MemorySegment src, long srcOffset, int cols, byte[] dst, int dstOffset, byte[] in,
            byte[] blocks) {
        int superBlocks = cols / 256;
        long rowBytes = (long) superBlocks * SUPER_BLOCK_BYTES;
        for (int sb = 0; sb < superBlocks; sb++) {
            for (int r = 0; r < GROUP_ROWS; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset + r * rowBytes + (long) sb * SUPER_BLOCK_BYTES,
                        in, r * SUPER_BLOCK_BYTES, SUPER_BLOCK_BYTES);
            }
            int o = dstOffset + sb * GROUP_SUPER_BYTES;
            InterleavedQ4_K.repackScalesAndNibbles(in, SUPER_BLOCK_BYTES, 48, dst, o, SUB_BLOCK_BYTES, blocks);
            // The fifth bits of sub-block s, row r: bit s of each of the row's 32 qh bytes, as one word (bit c:
            // column c). The 32 bytes are read as four longs; per s, bit s of each byte is moved to bit 8k and
            // the multiply by 0x0102040810204080 collects those 8 bits in the top byte.
            for (int r = 0; r < GROUP_ROWS; r++) {
                int qh = r * SUPER_BLOCK_BYTES + 16;
                long c0 = (long) LONGS.get(in, qh);
                long c8 = (long) LONGS.get(in, qh + 8);
                long c16 = (long) LONGS.get(in, qh + 16);
                long c24 = (long) LONGS.get(in, qh + 24);
                for (int s = 0; s < 8; s++) {
                    long word = gatherBits(c0, s) | gatherBits(c8, s) << 8 | gatherBits(c16, s) << 16
                            | gatherBits(c24, s) << 24;
                    INTS.set(dst, o + QUANTS + SUB_BLOCK_BYTES * s + MASKS + 4 * r, (int) word);
                }
            }
        }
    }

    /** Bit {@code s} of each of the 8 bytes of {@code bytes}, byte k's at bit k. */
    private static long gatherBits(long bytes, int s) {
        return (((bytes >>> s) & 0x0101010101010101L) * 0x0102040810204080L) >>> 56;
    }

    /** Offset in a group of super-block {@code sb}'s sub-block {@code s}. */
    private static long subBlock(long group, int sb, int s) {
        return group + (long) sb * GROUP_SUPER_BYTES + QUANTS + (long) SUB_BLOCK_BYTES * s;
    }

    /** The 5-bit value of row {@code r}, nibble {@code k} of vector {@code j}, in the sub-block at {@code q}. */
    private static int value(MemorySegment w, long q, int r, int j, int k) {
        int nibble = (w.get(SHORT_LE, q + 64L * j + 2L * r) >>> (4 * k)) & 0xF;
        int bit = (w.get(INT_LE, q + MASKS + 4L * r) >>> column(j, k)) & 1;
        return nibble | bit << 4;
    }

    // ---- scalar: single rows --------------------------------------------------------------------------------

    /** Row {@code r} of the group at {@code group}, exactly as the Q5_K reference ({@code (d * sc) * q - dmin * m}). */
    static void dequantizeRow(MemorySegment w, long group, int cols, int r, float[] out, int outOffset) {
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = group + (long) sb * GROUP_SUPER_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT_LE, o + 2L * r));
            float dmin = Float.float16ToFloat(w.get(SHORT_LE, o + 64 + 2L * r));
            for (int s = 0; s < 8; s++) {
                float scale = d * scaleMin(w, o + PLANES, r, s, false);
                float min = dmin * scaleMin(w, o + PLANES, r, s, true);
                long q = subBlock(group, sb, s);
                for (int j = 0; j < 8; j++) {
                    for (int k = 0; k < 4; k++) {
                        out[outOffset + 256 * sb + 32 * s + column(j, k)] = scale * value(w, q, r, j, k) - min;
                    }
                }
            }
        }
    }

    /** Row {@code r} of a group times float x: the exact weights times x, added in the kernel's column order. */
    static float dotRow(MemorySegment w, long group, int cols, int r, float[] x, int xOffset) {
        float sum = 0;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = group + (long) sb * GROUP_SUPER_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT_LE, o + 2L * r));
            float dmin = Float.float16ToFloat(w.get(SHORT_LE, o + 64 + 2L * r));
            for (int s = 0; s < 8; s++) {
                float scale = d * scaleMin(w, o + PLANES, r, s, false);
                float min = dmin * scaleMin(w, o + PLANES, r, s, true);
                long q = subBlock(group, sb, s);
                for (int j = 0; j < 8; j++) {
                    for (int k = 0; k < 4; k++) {
                        sum += (scale * value(w, q, r, j, k) - min) * x[xOffset + 256 * sb + 32 * s + column(j, k)];
                    }
                }
            }
        }
        return sum;
    }

    /**
     * The scalar reference of the gemv kernel's arithmetic for one row, x prepared in {@code xs} by
     * {@link InterleavedMatrix#quantizeX}: exact integer sub-block sums {@code sum((q5 - 8) * q)}, then Q4_K's
     * formula.
     */
    static float dotReference(MemorySegment w, long group, int cols, int r, float[] xs) {
        float sum = 0;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = group + (long) sb * GROUP_SUPER_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT_LE, o + 2L * r));
            float dmin = Float.float16ToFloat(w.get(SHORT_LE, o + 64 + 2L * r));
            float a = 0;
            float m = 0;
            for (int s = 0; s < 8; s++) {
                int b = 8 * sb + s;
                long q = subBlock(group, sb, s);
                int isum = 0;
                for (int j = 0; j < 8; j++) {
                    for (int k = 0; k < 4; k++) {
                        isum += (value(w, q, r, j, k) - 8) * InterleavedMatrix.unpair(xs[32 * b + column(j, k)]);
                    }
                }
                float scaledSum = xs[InterleavedMatrix.scaledSums(cols) + b];
                a += scaleMin(w, o + PLANES, r, s, false) * (isum * xs[InterleavedMatrix.xScales(cols) + b] + 8 * scaledSum);
                m += scaleMin(w, o + PLANES, r, s, true) * scaledSum;
            }
            sum += d * a - dmin * m;
        }
        return sum;
    }

    // ---- prompts: a whole group, column-major ---------------------------------------------------------------

    /** See {@link InterleavedMatrix#dequantizeGroup}: {@code (d * sc) * q - dmin * m}, as the reference. */
    static void dequantizeGroup(MemorySegment w, long base, int cols, float[] dst, float[] temp, int t) {
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = base + (long) sb * GROUP_SUPER_BYTES;
            InterleavedQ4_K.unpackScales(w, o, temp, t);
            FloatVector dLo = FloatVector.fromArray(F, temp, t);
            FloatVector dHi = FloatVector.fromArray(F, temp, t + 16);
            FloatVector dminLo = FloatVector.fromArray(F, temp, t + T_DMIN);
            FloatVector dminHi = FloatVector.fromArray(F, temp, t + T_DMIN + 16);
            for (int s = 0; s < 8; s++) {
                FloatVector scaleLo = dLo.mul(FloatVector.fromArray(F, temp, t + T_SCALES + 32 * s));
                FloatVector scaleHi = dHi.mul(FloatVector.fromArray(F, temp, t + T_SCALES + 32 * s + 16));
                FloatVector minLo = dminLo.mul(FloatVector.fromArray(F, temp, t + T_MINS + 32 * s));
                FloatVector minHi = dminHi.mul(FloatVector.fromArray(F, temp, t + T_MINS + 32 * s + 16));
                long q = subBlock(base, sb, s);
                IntVector fifthLo = IntVector.fromMemorySegment(I, w, q + MASKS, LE);
                IntVector fifthHi = IntVector.fromMemorySegment(I, w, q + MASKS + 64, LE);
                int c0 = 32 * (256 * sb + 32 * s);
                for (int j = 0; j < 8; j++) {
                    ShortVector v = ShortVector.fromMemorySegment(S, w, q + 64L * j, LE);
                    for (int k = 0; k < 4; k++) {
                        int c = column(j, k);
                        ShortVector n = v.lanewise(VectorOperators.LSHR, 4 * k).and((short) 0xF);
                        // q = nibble + 16 * bit c of the row's word: (word >>> c << 4) & 16.
                        IntVector lo = ((IntVector) n.convertShape(VectorOperators.S2I, I, 0))
                                .add(fifthLo.lanewise(VectorOperators.LSHR, c).lanewise(VectorOperators.LSHL, 4).and(16));
                        IntVector hi = ((IntVector) n.convertShape(VectorOperators.S2I, I, 1))
                                .add(fifthHi.lanewise(VectorOperators.LSHR, c).lanewise(VectorOperators.LSHL, 4).and(16));
                        int at = c0 + 32 * c;
                        ((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(scaleLo).sub(minLo).intoArray(dst, at);
                        ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(scaleHi).sub(minHi).intoArray(dst, at + 16);
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

    /** The 32 dot products of the group at {@code base}, to {@code dst[at .. at + 32)}. */
    private static void group(MemorySegment w, long base, int cols, float[] xs, float[] dst, int at) {
        int corrections = InterleavedMatrix.corrections(cols);
        int xScales = InterleavedMatrix.xScales(cols);
        int sums = InterleavedMatrix.scaledSums(cols);
        int t = InterleavedMatrix.temp(cols);
        int planes = InterleavedMatrix.bitPlanes(cols);
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = base + (long) sb * GROUP_SUPER_BYTES;
            InterleavedQ4_K.unpackScales(w, o, xs, t);
            FloatVector aLo = FloatVector.zero(F);
            FloatVector aHi = aLo;
            FloatVector mLo = aLo;
            FloatVector mHi = aLo;
            for (int s = 0; s < 8; s++) {
                int b = 8 * sb + s;
                long q = o + QUANTS + (long) SUB_BLOCK_BYTES * s;
                int xb = 32 * b;
                ShortVector acc = FloatVector.broadcast(F, xs[corrections + b]).reinterpretAsShorts();
                for (int j = 0; j < 8; j++) {
                    ShortVector v = ShortVector.fromMemorySegment(S, w, q + 64L * j, LE);
                    ShortVector x0 = FloatVector.broadcast(F, xs[xb + j]).reinterpretAsShorts();
                    ShortVector x1 = FloatVector.broadcast(F, xs[xb + j + 16]).reinterpretAsShorts();
                    ShortVector x2 = FloatVector.broadcast(F, xs[xb + j + 8]).reinterpretAsShorts();
                    ShortVector x3 = FloatVector.broadcast(F, xs[xb + j + 24]).reinterpretAsShorts();
                    acc = acc.add(v.and((short) 0xF).mul(x0));
                    acc = acc.add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(x1));
                    acc = acc.add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(x2));
                    acc = acc.add(v.lanewise(VectorOperators.LSHR, 12).mul(x3));
                }
                // The fifth bits' sum per row, sum over c of bit(r, c) * q[c], from x's bit planes: bit p of q
                // weighs 2^p, bit 7 -128 (two's complement); popcount(word & plane) counts the columns.
                IntVector wordsLo = IntVector.fromMemorySegment(I, w, q + MASKS, LE);
                IntVector wordsHi = IntVector.fromMemorySegment(I, w, q + MASKS + 64, LE);
                IntVector fifthLo = IntVector.zero(I);
                IntVector fifthHi = fifthLo;
                for (int p = 0; p < 7; p++) {
                    int plane = Float.floatToRawIntBits(xs[planes + 8 * b + p]);
                    fifthLo = fifthLo.add(wordsLo.and(plane).lanewise(VectorOperators.BIT_COUNT).lanewise(VectorOperators.LSHL, p));
                    fifthHi = fifthHi.add(wordsHi.and(plane).lanewise(VectorOperators.BIT_COUNT).lanewise(VectorOperators.LSHL, p));
                }
                int sign = Float.floatToRawIntBits(xs[planes + 8 * b + 7]);
                fifthLo = fifthLo.sub(wordsLo.and(sign).lanewise(VectorOperators.BIT_COUNT).lanewise(VectorOperators.LSHL, 7));
                fifthHi = fifthHi.sub(wordsHi.and(sign).lanewise(VectorOperators.BIT_COUNT).lanewise(VectorOperators.LSHL, 7));
                // sum((q5 - 8) * q) = nibbles' sum + 16 * fifth bits' sum, in 32 bits (it may not fit 16); then
                // dx * that + 8 * dx * sum(q), as Q4_K; the mins take dx * sum(q).
                FloatVector dx = FloatVector.broadcast(F, xs[xScales + b]);
                FloatVector scaledSum = FloatVector.broadcast(F, xs[sums + b]);
                FloatVector eightSums = FloatVector.broadcast(F, 8 * xs[sums + b]);
                IntVector totalLo = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 0))
                        .add(fifthLo.lanewise(VectorOperators.LSHL, 4));
                IntVector totalHi = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 1))
                        .add(fifthHi.lanewise(VectorOperators.LSHL, 4));
                FloatVector lo = ((FloatVector) totalLo.convert(VectorOperators.I2F, 0)).fma(dx, eightSums);
                FloatVector hi = ((FloatVector) totalHi.convert(VectorOperators.I2F, 0)).fma(dx, eightSums);
                aLo = lo.fma(FloatVector.fromArray(F, xs, t + T_SCALES + 32 * s), aLo);
                aHi = hi.fma(FloatVector.fromArray(F, xs, t + T_SCALES + 32 * s + 16), aHi);
                mLo = FloatVector.fromArray(F, xs, t + T_MINS + 32 * s).fma(scaledSum, mLo);
                mHi = FloatVector.fromArray(F, xs, t + T_MINS + 32 * s + 16).fma(scaledSum, mHi);
            }
            accLo = aLo.fma(FloatVector.fromArray(F, xs, t), accLo)
                    .sub(mLo.mul(FloatVector.fromArray(F, xs, t + T_DMIN)));
            accHi = aHi.fma(FloatVector.fromArray(F, xs, t + 16), accHi)
                    .sub(mHi.mul(FloatVector.fromArray(F, xs, t + T_DMIN + 16)));
        }
        accLo.intoArray(dst, at);
        accHi.intoArray(dst, at + 16);
    }
}
