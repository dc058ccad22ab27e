package dev.hearth.tensor;

import static dev.hearth.tensor.InterleavedMatrix.GROUP_ROWS;
import static dev.hearth.tensor.InterleavedMatrix.column;
import static dev.hearth.tensor.InterleavedMatrix.convertHalves;
import static dev.hearth.tensor.MatmulKernels.LE;
import static dev.hearth.tensor.TensorBytes.SHORT_LE;
import static dev.hearth.tensor.TensorBytes.u8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K in {@link InterleavedMatrix}'s 32-row groups. A super-block (256 columns) of a group takes the 32 rows'
 * 144 bytes each, 4608 bytes, laid out as: the rows' f16 {@code d} (64 bytes) and {@code dmin} (64), the 12
 * packed scale bytes as 12 planes of 32 (plane {@code k}, row {@code r} at {@code 128 + 32k + r}: byte
 * {@code k} of row r's scales, so that the 6-bit scales and mins of all 32 rows unpack with a few byte-vector
 * operations), then the eight 32-column sub-blocks' nibbles, 512 bytes each, arranged as
 * {@link InterleavedQ4_0}'s blocks (vector {@code j}, row {@code r}: the nibbles of columns
 * {@code j, j + 16, j + 8, j + 24} at bits 0, 4, 8, 12).
 *
 * <p>Per sub-block the 16-bit sums are those of Q4_0 ({@code sum((n - 8) * q)}, exact); then per row
 * {@code d * sc * (dx * isum + 8 * dx * sum(q)) - dmin * m * dx * sum(q)}, with {@code dx * sum(q)} (x's
 * quantized sum, as llama.cpp's Q8_K block sums) prepared with x.
 */
final class InterleavedQ4_K {
    private static final int SUPER_BLOCK_BYTES = 144;
    /** Bytes of one super-block of a group. */
    private static final int GROUP_SUPER_BYTES = GROUP_ROWS * SUPER_BLOCK_BYTES;
    static final int PLANES = 128;
    static final int QUANTS = 512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW_NIBBLES = 0x0F0F0F0F0F0F0F0FL;
    /** Temporary floats of a super-block: d, dmin, then the eight sub-blocks' scales and mins (32 each). */
    static final int T_DMIN = 32;
    static final int T_SCALES = 64;
    static final int T_MINS = 64 + 256;
    static final int TEMP = 64 + 512;
    /** Bytes of {@link #repackGroup}'s two staging arrays: one super-block of the 32 rows, and their nibbles. */
    static final int STAGING_IN = GROUP_SUPER_BYTES;
    static final int STAGING_BLOCKS = GROUP_ROWS * 128;

    private InterleavedQ4_K() {
    }

    // ---- repack -------------------------------------------------------------------------------------------

    /**
     * Writes the group layout of 32 consecutive Q4_K rows (row r at {@code srcOffset + r * rowBytes}). Per
     * super-block the rows are copied to {@code in} ({@link #STAGING_IN} bytes) and rearranged by
     * {@link #repackScalesAndNibbles}.
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
            repackScalesAndNibbles(in, SUPER_BLOCK_BYTES, 16, dst, dstOffset + sb * GROUP_SUPER_BYTES, QUANTS, blocks);
        }
    }

    /**
     * The part of a super-block's group layout that Q4_K and Q5_K share: from the 32 rows' super-blocks in
     * {@code in} (row r at {@code r * blockBytes}: f16 d, f16 dmin, 12 scale bytes, ..., the 128 nibble bytes at
     * {@code qsOffset}), writes at {@code o} the d and dmin vectors and the 12 scale planes, and sub-block
     * {@code s}'s nibbles at {@code o + QUANTS + subBlockStride * s}, each in {@link InterleavedQ4_0}'s block
     * layout. Each sub-block pair's 32 bytes are rewritten with long arithmetic into two Q4_0-like 16-byte blocks
     * ({@code qs[j]} = columns j and j + 16, {@code qs[j + 8]} = j + 8 and j + 24) in {@code blocks}, and those
     * are interleaved four rows per 8-byte store.
     */
    static void repackScalesAndNibbles(byte[] in, int blockBytes, int qsOffset, byte[] dst, int o, int subBlockStride,
            byte[] blocks) {
        for (int r = 0; r < GROUP_ROWS; r++) {
            int row = r * blockBytes;
            dst[o + 2 * r] = in[row];
            dst[o + 2 * r + 1] = in[row + 1];
            dst[o + 64 + 2 * r] = in[row + 2];
            dst[o + 64 + 2 * r + 1] = in[row + 3];
            for (int k = 0; k < 12; k++) {
                dst[o + PLANES + 32 * k + r] = in[row + 4 + k];
            }
            for (int g = 0; g < 4; g++) {
                int q = row + qsOffset + 32 * g;
                long l0 = (long) LONGS.get(in, q);
                long l1 = (long) LONGS.get(in, q + 8);
                long l2 = (long) LONGS.get(in, q + 16);
                long l3 = (long) LONGS.get(in, q + 24);
                int at = r * 128 + 32 * g;
                // Sub-block 2g: low nibbles; 2g + 1: high nibbles.
                LONGS.set(blocks, at, (l0 & LOW_NIBBLES) | (l2 & LOW_NIBBLES) << 4);
                LONGS.set(blocks, at + 8, (l1 & LOW_NIBBLES) | (l3 & LOW_NIBBLES) << 4);
                LONGS.set(blocks, at + 16, (l0 >>> 4) & LOW_NIBBLES | l2 & ~LOW_NIBBLES);
                LONGS.set(blocks, at + 24, (l1 >>> 4) & LOW_NIBBLES | l3 & ~LOW_NIBBLES);
            }
        }
        for (int s = 0; s < 8; s++) {
            int q = o + QUANTS + subBlockStride * s;
            for (int j = 0; j < 8; j++) {
                for (int r = 0; r < GROUP_ROWS; r += 4) {
                    int a = r * 128 + 16 * s + j;
                    long four = quantPair(blocks, a) | quantPair(blocks, a + 128) << 16
                            | quantPair(blocks, a + 256) << 32 | quantPair(blocks, a + 384) << 48;
                    LONGS.set(dst, q + 64 * j + 2 * r, four);
                }
            }
        }
    }

    private static long quantPair(byte[] src, int a) {
        return (src[a] & 0xFF) | (src[a + 8] & 0xFF) << 8;
    }

    /** Sub-block {@code s}'s 6-bit scale (or min) of row {@code r}, as llama.cpp's get_scale_min_k4. */
    static int scaleMin(MemorySegment w, long planes, int r, int s, boolean min) {
        if (s < 4) {
            return u8(w, planes + 32L * (s + (min ? 4 : 0)) + r) & 63;
        }
        int packed = u8(w, planes + 32L * (s + 4) + r);
        int top = u8(w, planes + 32L * (s - (min ? 0 : 4)) + r) >>> 6;
        return (min ? packed >>> 4 : packed & 0x0F) | (top << 4);
    }

    // ---- scalar: single rows --------------------------------------------------------------------------------

    /** Row {@code r} of the group at {@code group}, exactly as the Q4_K reference ({@code (d * sc) * q - dmin * m}). */
    static void dequantizeRow(MemorySegment w, long group, int cols, int r, float[] out, int outOffset) {
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = group + (long) sb * GROUP_SUPER_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT_LE, o + 2L * r));
            float dmin = Float.float16ToFloat(w.get(SHORT_LE, o + 64 + 2L * r));
            for (int s = 0; s < 8; s++) {
                float scale = d * scaleMin(w, o + PLANES, r, s, false);
                float min = dmin * scaleMin(w, o + PLANES, r, s, true);
                long q = o + QUANTS + 512L * s + 2L * r;
                for (int j = 0; j < 8; j++) {
                    int v = w.get(SHORT_LE, q + 64L * j);
                    for (int k = 0; k < 4; k++) {
                        out[outOffset + 256 * sb + 32 * s + column(j, k)] = scale * ((v >>> (4 * k)) & 0xF) - min;
                    }
                }
            }
        }
    }

    /** Row {@code r} of a group times float x: the exact weights times x, added in column order per sub-block. */
    static float dotRow(MemorySegment w, long group, int cols, int r, float[] x, int xOffset) {
        float sum = 0;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = group + (long) sb * GROUP_SUPER_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT_LE, o + 2L * r));
            float dmin = Float.float16ToFloat(w.get(SHORT_LE, o + 64 + 2L * r));
            for (int s = 0; s < 8; s++) {
                float scale = d * scaleMin(w, o + PLANES, r, s, false);
                float min = dmin * scaleMin(w, o + PLANES, r, s, true);
                long q = o + QUANTS + 512L * s + 2L * r;
                for (int j = 0; j < 8; j++) {
                    int v = w.get(SHORT_LE, q + 64L * j);
                    for (int k = 0; k < 4; k++) {
                        sum += (scale * ((v >>> (4 * k)) & 0xF) - min) * x[xOffset + 256 * sb + 32 * s + column(j, k)];
                    }
                }
            }
        }
        return sum;
    }

    /**
     * The scalar reference of the gemv kernel's arithmetic for one row, x prepared in {@code xs} by
     * {@link InterleavedMatrix#quantizeX}: exact integer sub-block sums, then the kernel's formula.
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
                long q = o + QUANTS + 512L * s + 2L * r;
                int isum = 0;
                for (int j = 0; j < 8; j++) {
                    int v = w.get(SHORT_LE, q + 64L * j);
                    for (int k = 0; k < 4; k++) {
                        isum += (((v >>> (4 * k)) & 0xF) - 8) * InterleavedMatrix.unpair(xs[32 * b + column(j, k)]);
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

    // ---- scales of a super-block, for all 32 rows -------------------------------------------------------------

    /**
     * The super-block at {@code o}: d and dmin of the 32 rows, and the 6-bit scales and mins of its eight
     * sub-blocks as floats, into {@code temp} from {@code t} (layout {@link #T_DMIN}, {@link #T_SCALES},
     * {@link #T_MINS}).
     */
    static void unpackScales(MemorySegment w, long o, float[] temp, int t) {
        convertHalves(w, o, 64, temp, t);
        long planes = o + PLANES;
        for (int s = 0; s < 4; s++) {
            ByteVector sc = ByteVector.fromMemorySegment(B32, w, planes + 32L * s, LE).and((byte) 63);
            ByteVector mn = ByteVector.fromMemorySegment(B32, w, planes + 32L * (s + 4), LE).and((byte) 63);
            // Converted in place, not through a helper: C2 boxes vectors handed to a method it does not inline.
            ((FloatVector) sc.convertShape(VectorOperators.B2F, F, 0)).intoArray(temp, t + T_SCALES + 32 * s);
            ((FloatVector) sc.convertShape(VectorOperators.B2F, F, 1)).intoArray(temp, t + T_SCALES + 32 * s + 16);
            ((FloatVector) mn.convertShape(VectorOperators.B2F, F, 0)).intoArray(temp, t + T_MINS + 32 * s);
            ((FloatVector) mn.convertShape(VectorOperators.B2F, F, 1)).intoArray(temp, t + T_MINS + 32 * s + 16);
        }
        // Sub-blocks 4-7: low 4 bits in byte 8 + s, top 2 bits in bits 6-7 of byte s - 4 (scale) and s (min).
        // Shifted as 32-bit lanes with the masks keeping each byte's own bits: x86 has no byte shift, and
        // C2's byte-lane shifts widen to 16 bits and narrow back (four instructions each).
        for (int s = 4; s < 8; s++) {
            IntVector packed = ByteVector.fromMemorySegment(B32, w, planes + 32L * (s + 4), LE).reinterpretAsInts();
            IntVector topScale = ByteVector.fromMemorySegment(B32, w, planes + 32L * (s - 4), LE).reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, 2).and(0x30303030);
            IntVector topMin = ByteVector.fromMemorySegment(B32, w, planes + 32L * s, LE).reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, 2).and(0x30303030);
            ByteVector sc = packed.and(0x0F0F0F0F).or(topScale).reinterpretAsBytes();
            ByteVector mn = packed.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(topMin).reinterpretAsBytes();
            ((FloatVector) sc.convertShape(VectorOperators.B2F, F, 0)).intoArray(temp, t + T_SCALES + 32 * s);
            ((FloatVector) sc.convertShape(VectorOperators.B2F, F, 1)).intoArray(temp, t + T_SCALES + 32 * s + 16);
            ((FloatVector) mn.convertShape(VectorOperators.B2F, F, 0)).intoArray(temp, t + T_MINS + 32 * s);
            ((FloatVector) mn.convertShape(VectorOperators.B2F, F, 1)).intoArray(temp, t + T_MINS + 32 * s + 16);
        }
    }

    // ---- prompts: a whole group, column-major ---------------------------------------------------------------

    /** See {@link InterleavedMatrix#dequantizeGroup}: {@code (d * sc) * q - dmin * m}, as the reference. */
    static void dequantizeGroup(MemorySegment w, long base, int cols, float[] dst, float[] temp, int t) {
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = base + (long) sb * GROUP_SUPER_BYTES;
            unpackScales(w, o, temp, t);
            FloatVector dLo = FloatVector.fromArray(F, temp, t);
            FloatVector dHi = FloatVector.fromArray(F, temp, t + 16);
            FloatVector dminLo = FloatVector.fromArray(F, temp, t + T_DMIN);
            FloatVector dminHi = FloatVector.fromArray(F, temp, t + T_DMIN + 16);
            for (int s = 0; s < 8; s++) {
                FloatVector scaleLo = dLo.mul(FloatVector.fromArray(F, temp, t + T_SCALES + 32 * s));
                FloatVector scaleHi = dHi.mul(FloatVector.fromArray(F, temp, t + T_SCALES + 32 * s + 16));
                FloatVector minLo = dminLo.mul(FloatVector.fromArray(F, temp, t + T_MINS + 32 * s));
                FloatVector minHi = dminHi.mul(FloatVector.fromArray(F, temp, t + T_MINS + 32 * s + 16));
                long q = o + QUANTS + 512L * s;
                int c0 = 32 * (256 * sb + 32 * s);
                for (int j = 0; j < 8; j++) {
                    ShortVector v = ShortVector.fromMemorySegment(S, w, q + 64L * j, LE);
                    for (int k = 0; k < 4; k++) {
                        ShortVector n = v.lanewise(VectorOperators.LSHR, 4 * k).and((short) 0xF);
                        int at = c0 + 32 * column(j, k);
                        ((FloatVector) ((IntVector) n.convertShape(VectorOperators.S2I, I, 0))
                                .convert(VectorOperators.I2F, 0)).mul(scaleLo).sub(minLo).intoArray(dst, at);
                        ((FloatVector) ((IntVector) n.convertShape(VectorOperators.S2I, I, 1))
                                .convert(VectorOperators.I2F, 0)).mul(scaleHi).sub(minHi).intoArray(dst, at + 16);
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
     * The 32 dot products of the group at {@code base}, to {@code dst[at .. at + 32)}: per super-block the exact
     * 16-bit sums of its eight sub-blocks by {@link InterleavedQ4_0#blockSums} (the same layout), then the
     * scales here. With the sums' loop inside this method, C2 ran out of registers for it and reloaded the
     * nibble mask and shift counts at every use (about a third more instructions): 14.4 GB/s against 18 for
     * Q4_0 (one core, in cache).
     */
    private static void group(MemorySegment w, long base, int cols, float[] xs, float[] dst, int at) {
        int corrections = InterleavedMatrix.corrections(cols);
        int xScales = InterleavedMatrix.xScales(cols);
        int sums = InterleavedMatrix.scaledSums(cols);
        int t = InterleavedMatrix.temp(cols);
        int blockSums = t + TEMP;
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = base + (long) sb * GROUP_SUPER_BYTES;
            unpackScales(w, o, xs, t);
            InterleavedQ4_0.blockSums(w, o + QUANTS, 8, xs, 8 * sb, corrections, xs, blockSums);
            FloatVector aLo = FloatVector.zero(F);
            FloatVector aHi = aLo;
            FloatVector mLo = aLo;
            FloatVector mHi = aLo;
            for (int s = 0; s < 8; s++) {
                int b = 8 * sb + s;
                // dx * sum(n * q) = dx * isum + 8 * dx * sum(q), isum = sum((n - 8) * q); the mins take dx * sum(q).
                FloatVector dx = FloatVector.broadcast(F, xs[xScales + b]);
                FloatVector scaledSum = FloatVector.broadcast(F, xs[sums + b]);
                FloatVector eightSums = FloatVector.broadcast(F, 8 * xs[sums + b]);
                FloatVector lo = FloatVector.fromArray(F, xs, blockSums + 32 * s).fma(dx, eightSums);
                FloatVector hi = FloatVector.fromArray(F, xs, blockSums + 32 * s + 16).fma(dx, eightSums);
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
