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
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K in {@link InterleavedMatrix}'s 32-row groups. A super-block (256 columns) of a group takes the 32
 * rows' 210 bytes each, 6720 bytes: the rows' f16 {@code d} (64 bytes), the 16 int8 sub-block scales as 16 planes of
 * 32 (plane {@code s}, row {@code r} at {@code 64 + 32s + r}), then the 16 sub-blocks of 16 columns, 384 bytes
 * each: six vectors {@code V0..V5} of 32 16-bit lanes, lane {@code r} for row r.
 *
 * <p>The six lanes of a row hold its 16 six-bit values {@code v0..v15} (0..63, the weight is
 * {@code d * sc * (v - 32)}) so that 12 of them are taken with one operation each: {@code Vk} holds
 * {@code v(2k)} at bits 0-5 ({@code & 63}) and {@code v(2k+1)} at bits 10-15 ({@code >>> 10}). Bits 6-9 of
 * {@code V0..V3} hold the low nibbles of {@code v12..v15}; bits 6-7 and 8-9 of {@code V4} the high bit pairs of
 * {@code v12, v13}, of {@code V5} those of {@code v14, v15}. The file's layout (low nibbles and bit pairs in
 * separate arrays, llama.cpp's {@code block_q6_K}) needs about five operations per value; this one 2 on
 * average, which is what the kernel is bound by.
 *
 * <p>Six-bit values times 8-bit x overflow 16 bits after 8 products ({@code 8 * 32 * 127} fits, 16 do not), so
 * each sub-block is summed as two halves of 8 columns, each started at {@code -32 * sum(q)} of its columns
 * ({@link InterleavedMatrix#eighths}) so that the wrapping sum ends exactly at {@code sum((v - 32) * q)}; the
 * halves are added in 32-bit lanes, then per row {@code d * sum(sc * (dx * isum))}.
 */
final class InterleavedQ6_K {
    private static final int SUPER_BLOCK_BYTES = 210;
    private static final int GROUP_SUPER_BYTES = GROUP_ROWS * SUPER_BLOCK_BYTES;
    private static final int SCALES = 64;
    private static final int QUANTS = 64 + 16 * GROUP_ROWS;
    private static final int SUB_BLOCK_BYTES = 6 * 64;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW_NIBBLES = 0x0F0F0F0F0F0F0F0FL;
    /** Temporary floats of a super-block: d of the 32 rows, then the 16 sub-blocks' scales (32 each). */
    private static final int T_SCALES = 32;
    static final int TEMP = 32 + 16 * GROUP_ROWS;

    private InterleavedQ6_K() {
    }

    // ---- repack -------------------------------------------------------------------------------------------

    /**
     * Writes the group layout of 32 consecutive Q6_K rows (row r at {@code srcOffset + r * rowBytes}), reading
     * the mapping directly: per row and super-block, 8 values at a time are decoded from three longs (llama.cpp's
     * {@code block_q6_K}: element {@code 128h + 32k + l} has its low nibble in {@code ql[64h + 32(k & 1) + l]},
     * the high one for k >= 2, and its top two bits at {@code 2k} of {@code qh[32h + l]}), and each sub-block's
     * 16 values become its six lanes with long arithmetic. (A version staging rows and values in heap arrays
     * repacked at 1.0 GB/s per core, this one at 1.7.)
     */
    static void repackGroup(MemorySegment src, long srcOffset, int cols, byte[] dst, int dstOffset) {
        int superBlocks = cols / 256;
        long rowBytes = (long) superBlocks * SUPER_BLOCK_BYTES;
        for (int sb = 0; sb < superBlocks; sb++) {
            int o = dstOffset + sb * GROUP_SUPER_BYTES;
            for (int r = 0; r < GROUP_ROWS; r++) {
                long row = srcOffset + r * rowBytes + (long) sb * SUPER_BLOCK_BYTES;
                SHORTS.set(dst, o + 2 * r, src.get(SHORT_LE, row + 208));
                for (int s = 0; s < 16; s++) {
                    dst[o + SCALES + GROUP_ROWS * s + r] = src.get(ValueLayout.JAVA_BYTE, row + 192 + s);
                }
                for (int h = 0; h < 2; h++) {
                    for (int l = 0; l < 32; l += 16) {
                        // Columns l..l+7 and l+8..l+15 of each k: the two halves of sub-block 8h + 2k + l / 16.
                        long lowA0 = src.get(TensorBytes.LONG_LE, row + 64 * h + l);
                        long lowA1 = src.get(TensorBytes.LONG_LE, row + 64 * h + 32 + l);
                        long highA = src.get(TensorBytes.LONG_LE, row + 128 + 32 * h + l);
                        long lowB0 = src.get(TensorBytes.LONG_LE, row + 64 * h + l + 8);
                        long lowB1 = src.get(TensorBytes.LONG_LE, row + 64 * h + 32 + l + 8);
                        long highB = src.get(TensorBytes.LONG_LE, row + 128 + 32 * h + l + 8);
                        for (int k = 0; k < 4; k++) {
                            int s = 8 * h + 2 * k + l / 16;
                            packSubBlock(values8(lowA0, lowA1, highA, k), values8(lowB0, lowB1, highB, k), dst,
                                    o + QUANTS + SUB_BLOCK_BYTES * s + 2 * r);
                        }
                    }
                }
            }
        }
    }

    /** The 8 six-bit values of quarter {@code k} from a row's low-nibble longs and high-bit long, one per byte. */
    private static long values8(long low0, long low1, long high, int k) {
        return switch (k) {
            case 0 -> (low0 & LOW_NIBBLES) | (high & 0x0303030303030303L) << 4;
            case 1 -> (low1 & LOW_NIBBLES) | (high & 0x0C0C0C0C0C0C0C0CL) << 2;
            case 2 -> (low0 >>> 4) & LOW_NIBBLES | high & 0x3030303030303030L;
            default -> (low1 >>> 4) & LOW_NIBBLES | (high & 0xC0C0C0C0C0C0C0C0L) >>> 2;
        };
    }

    /**
     * A row's six lanes of one sub-block from its values {@code v0-v7} ({@code a}) and {@code v8-v15}
     * ({@code b}), to {@code dst} at {@code q + 64k}: a value pair {@code (v(2k), v(2k+1))} read as a 16-bit
     * lane becomes {@code Vk}'s bits 0-5 and 10-15 once its odd byte moves up 2 bits, four lanes at a time.
     */
    private static void packSubBlock(long a, long b, byte[] dst, int q) {
        long lanes03 = (a & 0x00FF00FF00FF00FFL) | (a & 0xFF00FF00FF00FF00L) << 2
                | bytesToShorts((b >>> 32) & 0x0F0F0F0FL) << 6;
        long highPairs = (b >>> 36) & 0x03030303L; // bits 4-5 of v12..v15, one per byte
        long lanes45 = (b & 0x00FF00FFL) | (b & 0xFF00FF00L) << 2
                | ((highPairs & 0x00030003L) | (highPairs >>> 6) & 0x000C000CL) << 6;
        for (int k = 0; k < 4; k++) {
            SHORTS.set(dst, q + 64 * k, (short) (lanes03 >>> (16 * k)));
        }
        SHORTS.set(dst, q + 256, (short) lanes45);
        SHORTS.set(dst, q + 320, (short) (lanes45 >>> 16));
    }

    /** The 4 bytes of {@code x} (bits 0-31) as the low bytes of 4 16-bit lanes. */
    private static long bytesToShorts(long x) {
        x = (x | x << 16) & 0x0000FFFF0000FFFFL;
        return (x | x << 8) & 0x00FF00FF00FF00FFL;
    }

    /** The 6-bit value (0..63) of column {@code c} (0..15) of the sub-block at {@code q}, row {@code r}. */
    private static int value(MemorySegment w, long q, int r, int c) {
        if (c < 12) {
            int lane = w.get(SHORT_LE, q + 64L * (c >> 1) + 2L * r) & 0xFFFF;
            return (c & 1) == 0 ? lane & 63 : lane >>> 10;
        }
        int k = c - 12;
        int low = (w.get(SHORT_LE, q + 64L * k + 2L * r) >>> 6) & 0xF;
        int high = (w.get(SHORT_LE, q + 64L * (4 + (k >> 1)) + 2L * r) >>> (6 + 2 * (k & 1))) & 3;
        return low | high << 4;
    }

    // ---- scalar: single rows --------------------------------------------------------------------------------

    /** Row {@code r} of the group at {@code group}, exactly as the Q6_K reference ({@code (d * sc) * (v - 32)}). */
    static void dequantizeRow(MemorySegment w, long group, int cols, int r, float[] out, int outOffset) {
        // Branch-free per sub-block, not value() per column: its data-dependent branch made C2's profiled loop
        // predicates fail on most prompts' embedding lookups, and each failure cost a deoptimization and a
        // recompilation (about 0.1 s of a two-core machine's prompt time, on the compiler thread).
        int at = outOffset;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = group + (long) sb * GROUP_SUPER_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT_LE, o + 2L * r));
            for (int s = 0; s < 16; s++, at += 16) {
                float scale = d * w.get(ValueLayout.JAVA_BYTE, o + SCALES + GROUP_ROWS * s + r);
                long q = o + QUANTS + (long) SUB_BLOCK_BYTES * s + 2L * r;
                for (int p = 0; p < 6; p++) {
                    int lane = w.get(SHORT_LE, q + 64L * p) & 0xFFFF;
                    out[at + 2 * p] = scale * ((lane & 63) - 32);
                    out[at + 2 * p + 1] = scale * ((lane >>> 10) - 32);
                }
                for (int k = 0; k < 4; k++) {
                    int low = (w.get(SHORT_LE, q + 64L * k) >>> 6) & 0xF;
                    int high = (w.get(SHORT_LE, q + 64L * (4 + (k >> 1))) >>> (6 + 2 * (k & 1))) & 3;
                    out[at + 12 + k] = scale * ((low | high << 4) - 32);
                }
            }
        }
    }

    /** Row {@code r} of a group times float x: the exact weights times x, added in column order. */
    static float dotRow(MemorySegment w, long group, int cols, int r, float[] x, int xOffset) {
        float sum = 0;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = group + (long) sb * GROUP_SUPER_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT_LE, o + 2L * r));
            for (int s = 0; s < 16; s++) {
                float scale = d * w.get(ValueLayout.JAVA_BYTE, o + SCALES + GROUP_ROWS * s + r);
                long q = o + QUANTS + (long) SUB_BLOCK_BYTES * s;
                for (int c = 0; c < 16; c++) {
                    sum += scale * (value(w, q, r, c) - 32) * x[xOffset + 256 * sb + 16 * s + c];
                }
            }
        }
        return sum;
    }

    /**
     * The scalar reference of the gemv kernel's arithmetic for one row, x prepared in {@code xs} by
     * {@link InterleavedMatrix#quantizeX}: exact integer sub-block sums, {@code d * sum(sc * (dx * isum))}.
     */
    static float dotReference(MemorySegment w, long group, int cols, int r, float[] xs) {
        float sum = 0;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = group + (long) sb * GROUP_SUPER_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT_LE, o + 2L * r));
            float a = 0;
            for (int s = 0; s < 16; s++) {
                long q = o + QUANTS + (long) SUB_BLOCK_BYTES * s;
                int isum = 0;
                for (int c = 0; c < 16; c++) {
                    isum += (value(w, q, r, c) - 32) * InterleavedMatrix.unpair(xs[256 * sb + 16 * s + c]);
                }
                a += w.get(ValueLayout.JAVA_BYTE, o + SCALES + GROUP_ROWS * s + r)
                        * (isum * xs[InterleavedMatrix.xScales(cols) + (256 * sb + 16 * s) / 32]);
            }
            sum += d * a;
        }
        return sum;
    }

    // ---- scales of a super-block, for all 32 rows -------------------------------------------------------------

    /**
     * d of the 32 rows and the 16 scale planes as floats into {@code temp} from {@code t}, in address order:
     * reading each plane next to its sub-block's lanes (a step back every 384 bytes) halved the streaming
     * speed of an earlier version.
     */
    private static void unpackScales(MemorySegment w, long o, float[] temp, int t) {
        convertHalves(w, o, GROUP_ROWS, temp, t);
        for (int s = 0; s < 16; s++) {
            ByteVector sc = ByteVector.fromMemorySegment(B32, w, o + SCALES + GROUP_ROWS * s, LE);
            ((FloatVector) sc.convertShape(VectorOperators.B2F, F, 0)).intoArray(temp, t + T_SCALES + 32 * s);
            ((FloatVector) sc.convertShape(VectorOperators.B2F, F, 1)).intoArray(temp, t + T_SCALES + 32 * s + 16);
        }
    }

    // ---- prompts: a whole group, column-major ---------------------------------------------------------------

    /** See {@link InterleavedMatrix#dequantizeGroup}: {@code (d * sc) * (v - 32)}, as the reference. */
    static void dequantizeGroup(MemorySegment w, long base, int cols, float[] dst, float[] temp, int t) {
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = base + (long) sb * GROUP_SUPER_BYTES;
            unpackScales(w, o, temp, t);
            FloatVector dLo = FloatVector.fromArray(F, temp, t);
            FloatVector dHi = FloatVector.fromArray(F, temp, t + 16);
            for (int s = 0; s < 16; s++) {
                FloatVector scaleLo = dLo.mul(FloatVector.fromArray(F, temp, t + T_SCALES + 32 * s));
                FloatVector scaleHi = dHi.mul(FloatVector.fromArray(F, temp, t + T_SCALES + 32 * s + 16));
                long q = o + QUANTS + (long) SUB_BLOCK_BYTES * s;
                int c0 = 32 * (256 * sb + 16 * s);
                // Per column (v - 32) * (d * sc) for each half of the rows; two loops, so that no vector is
                // chosen at run time (C2 may box a phi of vectors), and no helper takes them (see group()).
                for (int c = 0; c < 12; c++) {
                    ShortVector v = ShortVector.fromMemorySegment(S, w, q + 64L * (c >> 1), LE)
                            .lanewise(VectorOperators.LSHR, 10 * (c & 1)).and((short) 63).sub((short) 32);
                    ((FloatVector) ((IntVector) v.convertShape(VectorOperators.S2I, I, 0))
                            .convert(VectorOperators.I2F, 0)).mul(scaleLo).intoArray(dst, c0 + 32 * c);
                    ((FloatVector) ((IntVector) v.convertShape(VectorOperators.S2I, I, 1))
                            .convert(VectorOperators.I2F, 0)).mul(scaleHi).intoArray(dst, c0 + 32 * c + 16);
                }
                for (int k = 0; k < 4; k++) {
                    ShortVector v = ShortVector.fromMemorySegment(S, w, q + 64L * k, LE)
                            .lanewise(VectorOperators.LSHR, 6).and((short) 0xF)
                            .or(ShortVector.fromMemorySegment(S, w, q + 256 + 64L * (k >> 1), LE)
                                    .lanewise(VectorOperators.LSHR, 2 + 2 * (k & 1)).and((short) 0x30))
                            .sub((short) 32);
                    int at = c0 + 32 * (12 + k);
                    ((FloatVector) ((IntVector) v.convertShape(VectorOperators.S2I, I, 0))
                            .convert(VectorOperators.I2F, 0)).mul(scaleLo).intoArray(dst, at);
                    ((FloatVector) ((IntVector) v.convertShape(VectorOperators.S2I, I, 1))
                            .convert(VectorOperators.I2F, 0)).mul(scaleHi).intoArray(dst, at + 16);
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
     * The 32 dot products of the group at {@code base}, to {@code dst[at .. at + 32)}. The integer sums of a
     * sub-block are two methods of their own ({@link #firstHalf}, {@link #secondHalf}; too big to be inlined
     * here) that hand their result over in {@code xs}, and every call in them is to a Vector API method: C2
     * stops inlining once a parse passes its node count limit ({@code NodeCountInliningCutoff}) except for
     * methods marked force-inline, as the Vector API's are. A helper of ours that takes or returns a vector,
     * past that point, stays a call and its vectors are boxed (seen: 2.5 instead of ~13 GB/s, and 100-300 KB
     * allocated per token of a tiny model when the sub-block was one method or used such a helper).
     */
    private static void group(MemorySegment w, long base, int cols, float[] xs, float[] dst, int at) {
        int eighths = InterleavedMatrix.eighths(cols);
        int xScales = InterleavedMatrix.xScales(cols);
        int t = InterleavedMatrix.temp(cols);
        int sums = t + TEMP;
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = accLo;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = base + (long) sb * GROUP_SUPER_BYTES;
            unpackScales(w, o, xs, t);
            FloatVector aLo = FloatVector.zero(F);
            FloatVector aHi = aLo;
            for (int s = 0; s < 16; s++) {
                int xc = 256 * sb + 16 * s;
                long q = o + QUANTS + (long) SUB_BLOCK_BYTES * s;
                firstHalf(w, q, xs, xc, eighths + xc / 8, sums);
                secondHalf(w, q, xs, xc, eighths + xc / 8 + 1, sums);
                FloatVector dx = FloatVector.broadcast(F, xs[xScales + xc / 32]);
                aLo = FloatVector.fromArray(F, xs, sums).mul(dx)
                        .fma(FloatVector.fromArray(F, xs, t + T_SCALES + 32 * s), aLo);
                aHi = FloatVector.fromArray(F, xs, sums + 16).mul(dx)
                        .fma(FloatVector.fromArray(F, xs, t + T_SCALES + 32 * s + 16), aHi);
            }
            accLo = aLo.fma(FloatVector.fromArray(F, xs, t), accLo);
            accHi = aHi.fma(FloatVector.fromArray(F, xs, t + 16), accHi);
        }
        accLo.intoArray(dst, at);
        accHi.intoArray(dst, at + 16);
    }

    /**
     * {@code sum((v - 32) * q)} over columns 0-7 of the sub-block at {@code q} ({@code v0..v3}, bits 0-5 and
     * 10-15), exact in 16 bits from {@code -32 * sum(q)} at {@code xs[correction]}, as 32 floats to
     * {@code xs[sums ..]}.
     */
    private static void firstHalf(MemorySegment w, long q, float[] xs, int xc, int correction, int sums) {
        ShortVector v0 = ShortVector.fromMemorySegment(S, w, q, LE);
        ShortVector v1 = ShortVector.fromMemorySegment(S, w, q + 64, LE);
        ShortVector v2 = ShortVector.fromMemorySegment(S, w, q + 128, LE);
        ShortVector v3 = ShortVector.fromMemorySegment(S, w, q + 192, LE);
        ShortVector sum = FloatVector.broadcast(F, xs[correction]).reinterpretAsShorts()
                .add(v0.and((short) 63).mul(FloatVector.broadcast(F, xs[xc]).reinterpretAsShorts()))
                .add(v0.lanewise(VectorOperators.LSHR, 10).mul(FloatVector.broadcast(F, xs[xc + 1]).reinterpretAsShorts()))
                .add(v1.and((short) 63).mul(FloatVector.broadcast(F, xs[xc + 2]).reinterpretAsShorts()))
                .add(v1.lanewise(VectorOperators.LSHR, 10).mul(FloatVector.broadcast(F, xs[xc + 3]).reinterpretAsShorts()))
                .add(v2.and((short) 63).mul(FloatVector.broadcast(F, xs[xc + 4]).reinterpretAsShorts()))
                .add(v2.lanewise(VectorOperators.LSHR, 10).mul(FloatVector.broadcast(F, xs[xc + 5]).reinterpretAsShorts()))
                .add(v3.and((short) 63).mul(FloatVector.broadcast(F, xs[xc + 6]).reinterpretAsShorts()))
                .add(v3.lanewise(VectorOperators.LSHR, 10).mul(FloatVector.broadcast(F, xs[xc + 7]).reinterpretAsShorts()));
        ((FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0))
                .intoArray(xs, sums);
        ((FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0))
                .intoArray(xs, sums + 16);
    }

    /**
     * Columns 8-15 as {@link #firstHalf}: 8-11 from {@code v4, v5}, 12-15 from bits 6-9 of {@code v0..v3} and of
     * {@code v4, v5}; added to the floats at {@code xs[sums ..]} (exact: integers far below 2^24).
     */
    private static void secondHalf(MemorySegment w, long q, float[] xs, int xc, int correction, int sums) {
        ShortVector v0 = ShortVector.fromMemorySegment(S, w, q, LE);
        ShortVector v1 = ShortVector.fromMemorySegment(S, w, q + 64, LE);
        ShortVector v2 = ShortVector.fromMemorySegment(S, w, q + 128, LE);
        ShortVector v3 = ShortVector.fromMemorySegment(S, w, q + 192, LE);
        ShortVector v4 = ShortVector.fromMemorySegment(S, w, q + 256, LE);
        ShortVector v5 = ShortVector.fromMemorySegment(S, w, q + 320, LE);
        ShortVector sum = FloatVector.broadcast(F, xs[correction]).reinterpretAsShorts()
                .add(v4.and((short) 63).mul(FloatVector.broadcast(F, xs[xc + 8]).reinterpretAsShorts()))
                .add(v4.lanewise(VectorOperators.LSHR, 10).mul(FloatVector.broadcast(F, xs[xc + 9]).reinterpretAsShorts()))
                .add(v5.and((short) 63).mul(FloatVector.broadcast(F, xs[xc + 10]).reinterpretAsShorts()))
                .add(v5.lanewise(VectorOperators.LSHR, 10).mul(FloatVector.broadcast(F, xs[xc + 11]).reinterpretAsShorts()))
                .add(v0.lanewise(VectorOperators.LSHR, 6).and((short) 0xF)
                        .or(v4.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                        .mul(FloatVector.broadcast(F, xs[xc + 12]).reinterpretAsShorts()))
                .add(v1.lanewise(VectorOperators.LSHR, 6).and((short) 0xF)
                        .or(v4.lanewise(VectorOperators.LSHR, 4).and((short) 0x30))
                        .mul(FloatVector.broadcast(F, xs[xc + 13]).reinterpretAsShorts()))
                .add(v2.lanewise(VectorOperators.LSHR, 6).and((short) 0xF)
                        .or(v5.lanewise(VectorOperators.LSHR, 2).and((short) 0x30))
                        .mul(FloatVector.broadcast(F, xs[xc + 14]).reinterpretAsShorts()))
                .add(v3.lanewise(VectorOperators.LSHR, 6).and((short) 0xF)
                        .or(v5.lanewise(VectorOperators.LSHR, 4).and((short) 0x30))
                        .mul(FloatVector.broadcast(F, xs[xc + 15]).reinterpretAsShorts()));
        ((FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0))
                .add(FloatVector.fromArray(F, xs, sums)).intoArray(xs, sums);
        ((FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0))
                .add(FloatVector.fromArray(F, xs, sums + 16)).intoArray(xs, sums + 16);
    }
}
