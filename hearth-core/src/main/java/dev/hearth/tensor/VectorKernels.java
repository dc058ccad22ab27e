package dev.hearth.tensor;

import static dev.hearth.tensor.BlockKernel.checkRow;
import static dev.hearth.tensor.TensorBytes.FLOAT_LE;
import static dev.hearth.tensor.TensorBytes.LONG_LE;
import static dev.hearth.tensor.TensorBytes.SHORT_LE;
import static dev.hearth.tensor.TensorBytes.i32;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API dot products (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K). Dequantization stays the exact
 * scalar one.
 *
 * <p>Weights are read straight from the segment: quant bytes are loaded as a {@link ByteVector}, nibbles
 * and bit fields are taken apart with lane-wise shifts and masks, converted to float lanes and combined
 * with {@code x} by fused multiply-adds, with two or four accumulators taking turns so that several
 * chains of multiply-adds are in flight. The block scales are applied as the reference applies them, so the
 * only difference from {@link TensorKernels#scalar} is the order of the float additions (and the fused
 * multiply-adds' single rounding).
 *
 * <p>Lane layout: {@code F} is the preferred float species ({@code L} lanes, 4 to 16). Quant bytes are
 * loaded {@code BL} at a time ({@code L} when that is a vector shape, else 8) and each load is widened to
 * {@code BL / L} float vectors. Every block type here has its runs of consecutive quants in multiples of 16
 * bytes, so any L from 4 to 16 tiles them; wider or narrower preferred species use the scalar kernels.
 *
 * <p>JIT budget: C2 stops inlining once a method has parsed into about 18000 nodes, every Vector API call
 * site inlines a large template, and a vector operation that is not inlined allocates its result (and is
 * slow). So each kernel is one method whose loop body has as few vector call sites as possible (loops over
 * sub-blocks with variable shifts rather than unrolled copies); VectorKernelsTest checks, for 4, 8 and 16
 * lanes and for native and heap segments, that no kernel allocates once compiled. Keep that in mind when
 * changing a kernel.
 *
 * <p>For matrix-matrix kernels later: each dot decodes one block at a time into float vectors; a version
 * for several {@code x} vectors decodes the block once and keeps one accumulator per {@code x} (within the
 * same budget, so probably two to four {@code x} per pass).
 */
final class VectorKernels {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Whether this machine's preferred vector size is one the kernels are written for. */
    static final boolean USABLE = L >= 4 && L <= 16;
    static final VectorSpecies<Byte> B = USABLE && L >= 8
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : ByteVector.SPECIES_64;
    static final int BL = B.length();
    /** Float vectors per byte load. */
    static final int PARTS = BL / L;
    static final VectorSpecies<Short> S = USABLE
            ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : ShortVector.SPECIES_64;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /**
     * Bytes of one float vector (B4) and of one vector of L halves (B2). F32/F16/BF16 rows are loaded as
     * bytes and reinterpreted: the JDK intrinsifies byte loads from heap segments too, where float and
     * short loads from a {@code byte[]}-backed segment fall back to slow, allocating code.
     */
    static final VectorSpecies<Byte> B4 = VectorSpecies.of(byte.class, F.vectorShape());
    static final VectorSpecies<Byte> B2 = USABLE
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 16)) : ByteVector.SPECIES_64;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorKernels() {
    }

    /** The vector kernel for {@code type}, or null where the scalar one is used. */
    static RowKernel forType(GgmlType type, BlockKernel scalar) {
        if (!USABLE) {
            return null;
        }
        return switch (type) {
            case F32 -> new F32(scalar);
            case F16 -> new F16(scalar);
            case BF16 -> new BF16(scalar);
            case Q8_0 -> new Q8_0(scalar);
            case Q4_0 -> new Q4_0(scalar);
            case Q4_K -> new Q4_K(scalar);
            case Q5_K -> new Q5_K(scalar);
            case Q6_K -> new Q6_K(scalar);
            default -> null;
        };
    }

    /** Dequantization delegates to the exact scalar kernel; subclasses provide the dot product. */
    private abstract static class VectorKernel implements RowKernel {
        private final BlockKernel scalar;

        VectorKernel(BlockKernel scalar) {
            this.scalar = scalar;
        }

        @Override
        public final GgmlType type() {
            return scalar.type();
        }

        @Override
        public final void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int n) {
            scalar.dequantize(data, byteOffset, out, outOffset, n);
        }

        @Override
        public String toString() {
            return "vector " + type() + " kernel (" + L + " float lanes)";
        }
    }

    /**
     * How byte lanes are shifted. x86 has no byte shift instructions (the Vector API emulates them with
     * several), so with 256- and 512-bit vectors the helpers below shift 16-bit lanes and mask off the
     * bits that crossed from the neighbouring byte. With 128-bit vectors (ARM NEON, which has byte shifts)
     * plain byte shifts are used: they also parse into fewer JIT nodes, which the 4-lane kernels, with their
     * extra conversion steps, need to stay within C2's inlining budget.
     */
    private static final boolean SHIFT_AS_SHORTS = L >= 8;

    /** {@code (v >>> shift) & mask} in every byte lane ({@code mask <= 0xFF >>> shift}). */
    private static ByteVector shiftRightMasked(ByteVector v, int shift, int mask) {
        if (SHIFT_AS_SHORTS) {
            return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                    .and((byte) mask);
        }
        return v.lanewise(VectorOperators.LSHR, shift).and((byte) mask);
    }

    /** {@code (v << shift) & mask} in every byte lane ({@code mask} clear in the low {@code shift} bits). */
    private static ByteVector shiftLeftMasked(ByteVector v, int shift, int mask) {
        if (SHIFT_AS_SHORTS) {
            return v.reinterpretAsShorts().lanewise(VectorOperators.LSHL, shift).reinterpretAsBytes()
                    .and((byte) mask);
        }
        return v.lanewise(VectorOperators.LSHL, shift).and((byte) mask);
    }

    /** {@code v << shift} in every byte lane whose value is below {@code 256 >>> shift}. */
    private static ByteVector shiftLeftSmall(ByteVector v, int shift) {
        if (SHIFT_AS_SHORTS) {
            return v.reinterpretAsShorts().lanewise(VectorOperators.LSHL, shift).reinterpretAsBytes();
        }
        return v.lanewise(VectorOperators.LSHL, shift);
    }

    /** Part {@code part} of byte lanes widened to float lanes (sign-extended). */
    private static FloatVector toFloats(ByteVector bytes, int part) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, F, part);
    }

    // ---- plain floats -------------------------------------------------------------------------------

    static final class F32 extends VectorKernel {
        F32(BlockKernel scalar) {
            super(scalar);
        }

        @Override
        public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(GgmlType.F32, data, byteOffset, x, xOffset, n);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            int i = 0;
            for (int end = n - 2 * L; i <= end; i += 2 * L) {
                long o = byteOffset + 4L * i;
                acc0 = ByteVector.fromMemorySegment(B4, data, o, LE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = ByteVector.fromMemorySegment(B4, data, o + 4L * L, LE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
            }
            float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
            for (; i < n; i++) {
                sum += data.get(FLOAT_LE, byteOffset + 4L * i) * x[xOffset + i];
            }
            return sum;
        }
    }

    /**
     * binary16 lanes to float lanes, exact, with integer operations only (no float subnormals, which can
     * be slow): normal numbers rebias the exponent, subnormals go through a float subtraction that is
     * exact, infinity and NaN keep an all-ones exponent.
     */
    static FloatVector halfToFloat(ShortVector halves) {
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.add(0x3800_0000); // exponent + (127 - 15)
        IntVector subnormal = shifted.add(0x3880_0000).reinterpretAsFloats().sub(0x1p-14f).reinterpretAsInts();
        bits = bits.blend(subnormal, magnitude.compare(VectorOperators.LT, 0x0400));
        bits = bits.blend(shifted.or(0x7F80_0000), magnitude.compare(VectorOperators.GE, 0x7C00));
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return bits.or(sign).reinterpretAsFloats();
    }

    static final class F16 extends VectorKernel {
        F16(BlockKernel scalar) {
            super(scalar);
        }

        @Override
        public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(GgmlType.F16, data, byteOffset, x, xOffset, n);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            int i = 0;
            for (int end = n - 2 * L; i <= end; i += 2 * L) {
                long o = byteOffset + 2L * i;
                FloatVector w0 = halfToFloat(ByteVector.fromMemorySegment(B2, data, o, LE).reinterpretAsShorts());
                FloatVector w1 = halfToFloat(
                        ByteVector.fromMemorySegment(B2, data, o + 2L * L, LE).reinterpretAsShorts());
                acc0 = w0.fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = w1.fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
            }
            float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
            for (; i < n; i++) {
                sum += Float.float16ToFloat(data.get(SHORT_LE, byteOffset + 2L * i)) * x[xOffset + i];
            }
            return sum;
        }
    }

    static final class BF16 extends VectorKernel {
        BF16(BlockKernel scalar) {
            super(scalar);
        }

        private static FloatVector bf16ToFloat(ShortVector s) {
            IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }

        @Override
        public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(GgmlType.BF16, data, byteOffset, x, xOffset, n);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            int i = 0;
            for (int end = n - 2 * L; i <= end; i += 2 * L) {
                long o = byteOffset + 2L * i;
                FloatVector w0 = bf16ToFloat(ByteVector.fromMemorySegment(B2, data, o, LE).reinterpretAsShorts());
                FloatVector w1 = bf16ToFloat(
                        ByteVector.fromMemorySegment(B2, data, o + 2L * L, LE).reinterpretAsShorts());
                acc0 = w0.fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = w1.fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
            }
            float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
            for (; i < n; i++) {
                sum += BFloat16.toFloat(data.get(SHORT_LE, byteOffset + 2L * i)) * x[xOffset + i];
            }
            return sum;
        }
    }

    // ---- 32-element blocks ----------------------------------------------------------------------------

    /**
     * Q8_0: per block, sum q * x over the 32 lanes, then scale by d. Two accumulators take turns (each
     * block's fused multiply-add waits for the one two blocks back, not the previous one).
     */
    static final class Q8_0 extends VectorKernel {
        Q8_0(BlockKernel scalar) {
            super(scalar);
        }

        @Override
        public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(GgmlType.Q8_0, data, byteOffset, x, xOffset, n);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            long block = byteOffset;
            for (int xi = xOffset, end = xOffset + n; xi < end; xi += 32, block += 34) {
                float d = Float.float16ToFloat(data.get(SHORT_LE, block));
                FloatVector sum = FloatVector.zero(F);
                for (int j = 0; j < 32; j += BL) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, block + 2 + j, LE);
                    for (int p = 0; p < PARTS; p++) {
                        sum = toFloats(q, p).fma(FloatVector.fromArray(F, x, xi + j + p * L), sum);
                    }
                }
                FloatVector next = sum.fma(FloatVector.broadcast(F, d), acc1);
                acc1 = acc0;
                acc0 = next;
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
    }

    /** Q4_0: nibbles minus 8; low nibbles are elements 0..15 of the block, high nibbles 16..31. */
    static final class Q4_0 extends VectorKernel {
        Q4_0(BlockKernel scalar) {
            super(scalar);
        }

        @Override
        public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(GgmlType.Q4_0, data, byteOffset, x, xOffset, n);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            long block = byteOffset;
            for (int xi = xOffset, end = xOffset + n; xi < end; xi += 32, block += 18) {
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(data.get(SHORT_LE, block)));
                for (int j = 0; j < 16; j += BL) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, block + 2 + j, LE);
                    ByteVector low = q.and((byte) 0x0F).sub((byte) 8);
                    ByteVector high = shiftRightMasked(q, 4, 0x0F).sub((byte) 8);
                    for (int p = 0; p < PARTS; p++) {
                        int xj = xi + j + p * L;
                        FloatVector sum = toFloats(low, p).mul(FloatVector.fromArray(F, x, xj));
                        sum = toFloats(high, p).fma(FloatVector.fromArray(F, x, xj + 16), sum);
                        FloatVector next = sum.fma(d, acc1);
                        acc1 = acc0;
                        acc0 = next;
                    }
                }
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
    }

    // ---- 256-element super-blocks -------------------------------------------------------------------
    //
    // C2 stops inlining once a method has parsed into about 18000 nodes, and every Vector API call site
    // inlines a large template; a vector operation that is not inlined allocates its result. So the
    // super-block kernels are written as loops over 32- or 16-element sub-blocks with as few vector call
    // sites as possible, and independent chains of fused multiply-adds come from accumulators that take
    // turns rather than from unrolled copies of the code.

    /**
     * The 6-bit scales (or mins) of a Q4_K/Q5_K super-block, four per int: {@code lowWord} holds those of
     * sub-blocks 0..3 (byte i = sub-block i), {@code highWord} those of 4..7 ({@code get_scale_min_k4}
     * done for four sub-blocks at once). {@code a}, {@code b}, {@code c} are the 12 scale bytes as
     * little-endian ints; for the mins, pass b as a.
     */
    private static int scalesLow(int a) {
        return a & 0x3F3F3F3F;
    }

    private static int scalesHigh(int a, int c) {
        return (c & 0x0F0F0F0F) | ((a >>> 2) & 0x30303030);
    }

    private static int minsHigh(int b, int c) {
        return ((c >>> 4) & 0x0F0F0F0F) | ((b >>> 2) & 0x30303030);
    }

    /**
     * Q4_K: group g (64 elements) uses bytes {@code 32g .. +32} of the quants, low nibbles for sub-block
     * 2g and high nibbles for 2g + 1; value = (d * scale) * q - dmin * min, formed with one fused
     * multiply-add per lane.
     */
    static final class Q4_K extends VectorKernel {
        Q4_K(BlockKernel scalar) {
            super(scalar);
        }

        @Override
        public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(GgmlType.Q4_K, data, byteOffset, x, xOffset, n);
            FloatVector accLow0 = FloatVector.zero(F);
            FloatVector accLow1 = accLow0;
            FloatVector accHigh0 = accLow0;
            FloatVector accHigh1 = accLow0;
            long block = byteOffset;
            for (int xb = xOffset, end = xOffset + n; xb < end; xb += 256, block += 144) {
                float d = Float.float16ToFloat(data.get(SHORT_LE, block));
                float dmin = Float.float16ToFloat(data.get(SHORT_LE, block + 2));
                int a = i32(data, block + 4);
                int b = i32(data, block + 8);
                int c = i32(data, block + 12);
                long scales = (scalesLow(a) & 0xFFFFFFFFL) | ((long) scalesHigh(a, c) << 32);
                long mins = (scalesLow(b) & 0xFFFFFFFFL) | ((long) minsHigh(b, c) << 32);
                for (int g = 0; g < 4; g++) {
                    int sh = 16 * g;
                    FloatVector d1 = FloatVector.broadcast(F, d * (int) ((scales >>> sh) & 0xFF));
                    FloatVector m1 = FloatVector.broadcast(F, -(dmin * (int) ((mins >>> sh) & 0xFF)));
                    FloatVector d2 = FloatVector.broadcast(F, d * (int) ((scales >>> (sh + 8)) & 0xFF));
                    FloatVector m2 = FloatVector.broadcast(F, -(dmin * (int) ((mins >>> (sh + 8)) & 0xFF)));
                    long qs = block + 16 + 32 * g;
                    int xg = xb + 64 * g;
                    for (int j = 0; j < 32; j += BL) {
                        ByteVector q = ByteVector.fromMemorySegment(B, data, qs + j, LE);
                        ByteVector low = q.and((byte) 0x0F);
                        ByteVector high = shiftRightMasked(q, 4, 0x0F);
                        for (int p = 0; p < PARTS; p++) {
                            int xj = xg + j + p * L;
                            FloatVector nextLow = toFloats(low, p).fma(d1, m1)
                                    .fma(FloatVector.fromArray(F, x, xj), accLow1);
                            FloatVector nextHigh = toFloats(high, p).fma(d2, m2)
                                    .fma(FloatVector.fromArray(F, x, xj + 32), accHigh1);
                            accLow1 = accLow0;
                            accLow0 = nextLow;
                            accHigh1 = accHigh0;
                            accHigh0 = nextHigh;
                        }
                    }
                }
            }
            return accLow0.add(accLow1).add(accHigh0.add(accHigh1)).reduceLanes(VectorOperators.ADD);
        }
    }

    /**
     * Q5_K: like Q4_K (quants at byte 48) plus a fifth bit per element: bit s of qh byte l (qh at byte 16)
     * for element l of sub-block s. Written as a loop over the eight 32-element sub-blocks, which needs
     * fewer vector call sites than Q4_K's loop over pairs: with both, the method parses into more nodes
     * than C2 inlines when it has seen both heap and native segments.
     */
    static final class Q5_K extends VectorKernel {
        Q5_K(BlockKernel scalar) {
            super(scalar);
        }

        @Override
        public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(GgmlType.Q5_K, data, byteOffset, x, xOffset, n);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            long block = byteOffset;
            for (int xb = xOffset, end = xOffset + n; xb < end; xb += 256, block += 176) {
                float d = Float.float16ToFloat(data.get(SHORT_LE, block));
                float dmin = Float.float16ToFloat(data.get(SHORT_LE, block + 2));
                int a = i32(data, block + 4);
                int b = i32(data, block + 8);
                int c = i32(data, block + 12);
                long scales = (scalesLow(a) & 0xFFFFFFFFL) | ((long) scalesHigh(a, c) << 32);
                long mins = (scalesLow(b) & 0xFFFFFFFFL) | ((long) minsHigh(b, c) << 32);
                for (int s = 0; s < 8; s++) {
                    FloatVector scale = FloatVector.broadcast(F, d * (int) ((scales >>> (8 * s)) & 0xFF));
                    FloatVector min = FloatVector.broadcast(F, -(dmin * (int) ((mins >>> (8 * s)) & 0xFF)));
                    long qs = block + 48 + 32 * (s >> 1);
                    int nibble = 4 * (s & 1);
                    int xs = xb + 32 * s;
                    for (int j = 0; j < 32; j += BL) {
                        ByteVector low = shiftRightMasked(
                                ByteVector.fromMemorySegment(B, data, qs + j, LE), nibble, 0x0F);
                        ByteVector fifth = shiftRightMasked(
                                ByteVector.fromMemorySegment(B, data, block + 16 + j, LE), s, 1);
                        ByteVector q = low.or(shiftLeftSmall(fifth, 4));
                        for (int p = 0; p < PARTS; p++) {
                            FloatVector w = toFloats(q, p).fma(scale, min);
                            FloatVector next = w.fma(FloatVector.fromArray(F, x, xs + j + p * L), acc1);
                            acc1 = acc0;
                            acc0 = next;
                        }
                    }
                }
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
    }

    /**
     * Q6_K: in half h, for l < 32 and t = 0, 1, byte {@code 32t + l} of the half's 64 ql bytes holds the low
     * 4 bits of element {@code 128h + 32t + l} (low nibble) and of {@code 128h + 32(t + 2) + l} (high
     * nibble); their top 2 bits are bits {@code 2t} and {@code 2t + 4} of qh byte {@code 32h + l}. Each
     * 16-element group has its own signed scale; a byte load never crosses a group (BL is 8 or 16).
     */
    static final class Q6_K extends VectorKernel {
        Q6_K(BlockKernel scalar) {
            super(scalar);
        }

        @Override
        public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
            checkRow(GgmlType.Q6_K, data, byteOffset, x, xOffset, n);
            FloatVector accLow0 = FloatVector.zero(F);
            FloatVector accLow1 = accLow0;
            FloatVector accHigh0 = accLow0;
            FloatVector accHigh1 = accLow0;
            long block = byteOffset;
            for (int xb = xOffset, end = xOffset + n; xb < end; xb += 256, block += 210) {
                float d = Float.float16ToFloat(data.get(SHORT_LE, block + 208));
                for (int ht = 0; ht < 4; ht++) {
                    int h = ht >> 1;
                    int t = ht & 1;
                    long ql = block + 64 * h + 32 * t;
                    long qh = block + 128 + 32 * h;
                    // Scales 8h + 2t + {0, 1} (low nibbles) and 8h + 2t + {4, 5} (high): one 8-byte read.
                    long scales = data.get(LONG_LE, block + 192 + 8 * h + 2 * t);
                    int xt = xb + 128 * h + 32 * t;
                    for (int j = 0; j < 32; j += BL) {
                        ByteVector q = ByteVector.fromMemorySegment(B, data, ql + j, LE);
                        ByteVector top = ByteVector.fromMemorySegment(B, data, qh + j, LE);
                        // Top bits 2t, 2t+1 (low quants) and 2t+4, 2t+5 (high) moved to bits 4 and 5.
                        ByteVector low = q.and((byte) 0x0F).or(shiftLeftMasked(top, 4 - 2 * t, 0x30))
                                .sub((byte) 32);
                        ByteVector high = shiftRightMasked(q, 4, 0x0F).or(shiftRightMasked(top, 2 * t, 0x30))
                                .sub((byte) 32);
                        FloatVector scaleLow = FloatVector.broadcast(F, d * (byte) (scales >>> (8 * (j >> 4))));
                        FloatVector scaleHigh = FloatVector.broadcast(F, d * (byte) (scales >>> (32 + 8 * (j >> 4))));
                        for (int p = 0; p < PARTS; p++) {
                            int xj = xt + j + p * L;
                            FloatVector nextLow = toFloats(low, p).mul(scaleLow)
                                    .fma(FloatVector.fromArray(F, x, xj), accLow1);
                            FloatVector nextHigh = toFloats(high, p).mul(scaleHigh)
                                    .fma(FloatVector.fromArray(F, x, xj + 64), accHigh1);
                            accLow1 = accLow0;
                            accLow0 = nextLow;
                            accHigh1 = accHigh0;
                            accHigh0 = nextHigh;
                        }
                    }
                }
            }
            return accLow0.add(accLow1).add(accHigh0.add(accHigh1)).reduceLanes(VectorOperators.ADD);
        }
    }
}
