package dev.hearth.tensor;

import static dev.hearth.tensor.TensorBytes.f16;
import static dev.hearth.tensor.TensorBytes.i8;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link MatmulKernel} of each tensor type.
 *
 * <p>Row dequantization for the prompt path is vectorized for F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K and
 * Q6_K and bit-identical to the scalar reference (same float operations in the same order: for example
 * Q4_K's {@code (d * sc) * q - dmin * m} as a multiply and a subtract, never a fused multiply-add). Other
 * supported types dequantize with the scalar reference. The matrix-vector path uses the dedicated kernels of
 * {@link GemvKernels} where there is one and {@link TensorKernels#fastest}'s row dot product otherwise.
 *
 * <p>Lane layout: {@code F} is the preferred float species with {@code L} = 8 or 16 lanes (AVX2, AVX-512);
 * quant bytes are loaded 16 or 32 at a time and widened to {@code 16 / L} or {@code 32 / L} float vectors. On
 * other vector sizes the scalar paths are used.
 */
public final class MatmulKernels {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Whether the vector code paths are written for this machine's vector size. */
    static final boolean VECTOR = L == 8 || L == 16;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    /** L bytes: widened in place to one int vector ({@code B2I}) by the K-quant dequantization. */
    static final VectorSpecies<Byte> BYTES_PER_INT_VECTOR = VECTOR
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : ByteVector.SPECIES_64;
    static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    /** L binary16 values: half the width of a float vector. */
    static final VectorSpecies<Short> HALVES = VECTOR
            ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : ShortVector.SPECIES_64;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static final MatmulKernel[] KERNELS = new MatmulKernel[GgmlType.values().length];

    static {
        for (GgmlType t : GgmlType.values()) {
            if (TensorKernels.isSupported(t)) {
                KERNELS[t.ordinal()] = create(t);
            }
        }
    }

    private MatmulKernels() {
    }

    /**
     * The kernel for {@code type}.
     *
     * @throws UnsupportedTensorTypeException if the type has no kernels ({@link TensorKernels#isSupported})
     */
    public static MatmulKernel forType(GgmlType type) {
        MatmulKernel k = KERNELS[Objects.requireNonNull(type, "type").ordinal()];
        if (k == null) {
            throw new UnsupportedTensorTypeException(type);
        }
        return k;
    }

    /** The reference kernel: scalar dequantization and {@link TensorKernels#scalar}'s dot, for tests. */
    static MatmulKernel reference(GgmlType type) {
        return new Generic(TensorKernels.scalar(type), TensorKernels.scalar(type));
    }

    private static MatmulKernel create(GgmlType t) {
        RowKernel scalar = TensorKernels.scalar(t);
        RowKernel fastest = TensorKernels.fastest(t);
        if (!VECTOR) {
            return new Generic(scalar, fastest);
        }
        return switch (t) {
            case F32 -> new F32(fastest);
            case F16 -> new F16(fastest);
            case BF16 -> new BF16(fastest);
            case Q8_0 -> new Q8_0(fastest);
            case Q4_0 -> new Q4_0(fastest);
            case Q4_K -> new Q4_K(fastest);
            case Q5_K -> new Q5_K(fastest);
            case Q6_K -> new Q6_K(fastest);
            default -> new Generic(scalar, fastest);
        };
    }

    /**
     * gemv with {@link GemvKernels}' kernel where there is one, else row by row with a {@link RowKernel}'s dot
     * product. Types without a gemv kernel override {@link #gemv} with the same loop: a loop shared by every
     * type would see many row kernels at its call site, and C2 could inline two of them into one method,
     * past its node budget (then vector operations allocate).
     */
    private abstract static class Base implements MatmulKernel {
        final RowKernel rowKernel;
        private final GemvKernels.Gemv fast;

        Base(RowKernel rowKernel) {
            this.rowKernel = rowKernel;
            this.fast = GemvKernels.forType(rowKernel.type());
        }

        @Override
        public final GgmlType type() {
            return rowKernel.type();
        }

        @Override
        public void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset, float[] scratch) {
            if (fast != null && (scratch != null && scratch.length >= GemvKernels.scratchLength(cols)
                    || !GemvKernels.needsScratch(rowKernel.type()))) {
                fast.gemv(w, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset, scratch);
                return;
            }
            gemv(w, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset);
        }

        @Override
        public void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset) {
            if (fast != null && !GemvKernels.needsScratch(rowKernel.type())) {
                fast.gemv(w, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset, null);
                return;
            }
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = rowKernel.dot(w, r * rowBytes, x, xOffset, cols);
            }
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + " matmul kernel";
        }
    }

    /** Any supported type: scalar dequantization. */
    static final class Generic extends Base {
        private final RowKernel dequantizer;

        Generic(RowKernel dequantizer, RowKernel dot) {
            super(dot);
            this.dequantizer = dequantizer;
        }

        @Override
        public void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = rowKernel.dot(w, r * rowBytes, x, xOffset, cols);
            }
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            for (int i = 0; i < rows; i++) {
                dequantizer.dequantize(w, (rowStart + i) * rowBytes, dst, i * cols, cols);
            }
        }
    }

    // ---- plain floats ---------------------------------------------------------------------------------

    static final class F32 extends Base {
        F32(RowKernel dot) {
            super(dot);
        }

        @Override
        public void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = rowKernel.dot(w, r * rowBytes, x, xOffset, cols);
            }
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            for (int i = 0; i < rows; i++) {
                MemorySegment.copy(w, TensorBytes.FLOAT_LE, (rowStart + i) * rowBytes, dst, i * cols, cols);
            }
        }
    }

    static final class F16 extends Base {
        F16(RowKernel dot) {
            super(dot);
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            // GemvKernels' loop that C2 compiles to vcvtph2ps; the Vector API has no binary16 conversion.
            for (int i = 0; i < rows; i++) {
                GemvKernels.halvesToFloats(w, (rowStart + i) * rowBytes, dst, i * cols, cols);
            }
        }
    }

    static final class BF16 extends Base {
        BF16(RowKernel dot) {
            super(dot);
        }

        @Override
        public void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = rowKernel.dot(w, r * rowBytes, x, xOffset, cols);
            }
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            for (int i = 0; i < rows; i++) {
                long off = (rowStart + i) * rowBytes;
                int o = i * cols;
                int j = 0;
                for (; j <= cols - L; j += L) {
                    ShortVector h = ShortVector.fromMemorySegment(HALVES, w, off + 2L * j, LE);
                    ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                            .reinterpretAsFloats().intoArray(dst, o + j);
                }
                for (; j < cols; j++) {
                    dst[o + j] = BFloat16.toFloat(w.get(TensorBytes.SHORT_LE, off + 2L * j));
                }
            }
        }
    }

    // ---- 32-element blocks ----------------------------------------------------------------------------

    // Each helper that takes a vector sees one vector shape only (B128 here): a helper that saw two would, once
    // inlined, merge both shapes into one value that C2 cannot keep in a register, and the kernel would
    // allocate a vector object per operation (ten times slower). 128-bit loads, not 256-bit ones: widening the
    // upper half of a 256-bit byte vector costs C2 a byte permute and a blend.

    /**
     * {@code (v >>> shift) & mask} per byte lane of a 128-bit vector (Q4_0's 16 bytes of nibbles), for masks
     * that keep only bits from the same byte.
     */
    static ByteVector shiftRightMasked128(ByteVector v, int shift, int mask) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes().and((byte) mask);
    }

    /** Writes the 16 signed byte lanes, times {@code d}, to {@code dst[o..]}. */
    private static void scaleBytes128(ByteVector bytes, FloatVector d, float[] dst, int o) {
        for (int p = 0; p < 16 / L; p++) {
            ((FloatVector) bytes.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + p * L);
        }
    }

    /** {@code (v >>> shift) & mask} per byte lane (Q6_K's 256-bit dequantization), for masks that keep only bits from the same byte. */
    static ByteVector shiftRightMasked(ByteVector v, int shift, int mask) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes().and((byte) mask);
    }

    /** {@code v << shift} per byte lane, for lanes below {@code 256 >>> shift} (no bit crosses a byte). */
    static ByteVector shiftLeftSmall(ByteVector v, int shift) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHL, shift).reinterpretAsBytes();
    }

    /** block_q8_0: fp16 d, 32 signed bytes; value = q * d. */
    static final class Q8_0 extends Base {
        Q8_0(RowKernel dot) {
            super(dot);
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            for (int i = 0; i < rows; i++) {
                long off = (rowStart + i) * rowBytes;
                int o = i * cols;
                for (int j = 0; j < cols; j += 32, off += 34) {
                    FloatVector d = FloatVector.broadcast(F, f16(w, off));
                    scaleBytes128(ByteVector.fromMemorySegment(B128, w, off + 2, LE), d, dst, o + j);
                    scaleBytes128(ByteVector.fromMemorySegment(B128, w, off + 18, LE), d, dst, o + j + 16);
                }
            }
        }
    }

    /** block_q4_0: fp16 d, 16 bytes of nibbles (low nibble of byte j is element j, high j + 16); (q - 8) * d. */
    static final class Q4_0 extends Base {
        Q4_0(RowKernel dot) {
            super(dot);
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            for (int i = 0; i < rows; i++) {
                long off = (rowStart + i) * rowBytes;
                int o = i * cols;
                for (int j = 0; j < cols; j += 32, off += 18) {
                    FloatVector d = FloatVector.broadcast(F, f16(w, off));
                    ByteVector q = ByteVector.fromMemorySegment(B128, w, off + 2, LE);
                    scaleBytes128(q.and((byte) 0x0F).sub((byte) 8), d, dst, o + j);
                    scaleBytes128(shiftRightMasked128(q, 4, 0x0F).sub((byte) 8), d, dst, o + j + 16);
                }
            }
        }
    }

    // ---- K-quants: 256-element super-blocks -----------------------------------------------------------

    /** The 6-bit scale ({@code min} false) or min of sub-block {@code j} (ggml's get_scale_min_k4). */
    static int scaleMinK4(MemorySegment w, long scales, int j, boolean min) {
        if (j < 4) {
            return (TensorBytes.u8(w, scales + j + (min ? 4 : 0))) & 63;
        }
        int low = TensorBytes.u8(w, scales + j + 4);
        int high = TensorBytes.u8(w, scales + j - (min ? 0 : 4));
        return (min ? low >>> 4 : low & 0x0F) | ((high >>> 6) << 4);
    }

    /**
     * The eight 6-bit scales ({@code mins} false) or mins of a Q4_K/Q5_K super-block, byte {@code j} of the
     * result for sub-block {@code j}: {@link #scaleMinK4} for all eight at once, from three int loads.
     */
    static long packedScalesK4(MemorySegment w, long scales, boolean mins) {
        int a = TensorBytes.i32(w, scales);
        int b = TensorBytes.i32(w, scales + 4);
        int c = TensorBytes.i32(w, scales + 8);
        return mins
                ? (b & 0x3F3F3F3FL) | ((long) (((c >>> 4) & 0x0F0F0F0F) | ((b >>> 2) & 0x30303030)) << 32)
                : (a & 0x3F3F3F3FL) | ((long) ((c & 0x0F0F0F0F) | ((a >>> 2) & 0x30303030)) << 32);
    }

    /** block_q4_K: fp16 d, fp16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles. */
    static final class Q4_K extends Base {
        Q4_K(RowKernel dot) {
            super(dot);
        }

        @Override
        public void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = rowKernel.dot(w, r * rowBytes, x, xOffset, cols);
            }
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            // L quant bytes at a time widened to int lanes (B2I), the nibble taken out there: no byte-to-float
            // conversion of a half vector (a permute and a blend in C2's code) and no per-element branches; the
            // eight 6-bit scales and mins unpacked once per super-block (as GemvKernels.q4_KRow does).
            for (int i = 0; i < rows; i++) {
                long off = (rowStart + i) * rowBytes;
                int o = i * cols;
                for (int j = 0; j < cols; j += 256, off += 144) {
                    float d = f16(w, off);
                    float dmin = f16(w, off + 2);
                    long scales = packedScalesK4(w, off + 4, false);
                    long mins = packedScalesK4(w, off + 4, true);
                    for (int s = 0; s < 8; s++) {
                        float scale = d * (int) ((scales >>> (8 * s)) & 0xFF);
                        float min = dmin * (int) ((mins >>> (8 * s)) & 0xFF);
                        long q = off + 16 + 32 * (s >> 1);
                        int shift = 4 * (s & 1);
                        int y = o + j + 32 * s;
                        for (int p = 0; p < 32; p += L) {
                            IntVector v = (IntVector) ByteVector.fromMemorySegment(BYTES_PER_INT_VECTOR, w, q + p, LE)
                                    .convertShape(VectorOperators.B2I, I, 0);
                            ((FloatVector) v.lanewise(VectorOperators.LSHR, shift).and(0x0F)
                                    .convert(VectorOperators.I2F, 0)).mul(scale).sub(min).intoArray(dst, y + p);
                        }
                    }
                }
            }
        }
    }

    /** block_q5_K: as Q4_K with 32 bytes of fifth bits (bit 2g of byte l: element 64g + l; 2g+1: 64g+32+l). */
    static final class Q5_K extends Base {
        Q5_K(RowKernel dot) {
            super(dot);
        }

        @Override
        public void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = rowKernel.dot(w, r * rowBytes, x, xOffset, cols);
            }
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            // As Q4_K, with the fifth bit (bit s of the qh byte of the same l) or-ed in as 16.
            for (int i = 0; i < rows; i++) {
                long off = (rowStart + i) * rowBytes;
                int o = i * cols;
                for (int j = 0; j < cols; j += 256, off += 176) {
                    float d = f16(w, off);
                    float dmin = f16(w, off + 2);
                    long scales = packedScalesK4(w, off + 4, false);
                    long mins = packedScalesK4(w, off + 4, true);
                    for (int s = 0; s < 8; s++) {
                        float scale = d * (int) ((scales >>> (8 * s)) & 0xFF);
                        float min = dmin * (int) ((mins >>> (8 * s)) & 0xFF);
                        long q = off + 48 + 32 * (s >> 1);
                        int shift = 4 * (s & 1);
                        int y = o + j + 32 * s;
                        for (int p = 0; p < 32; p += L) {
                            IntVector v = (IntVector) ByteVector.fromMemorySegment(BYTES_PER_INT_VECTOR, w, q + p, LE)
                                    .convertShape(VectorOperators.B2I, I, 0);
                            IntVector h = (IntVector) ByteVector.fromMemorySegment(BYTES_PER_INT_VECTOR, w, off + 16 + p, LE)
                                    .convertShape(VectorOperators.B2I, I, 0);
                            IntVector quant = v.lanewise(VectorOperators.LSHR, shift).and(0x0F)
                                    .or(h.lanewise(VectorOperators.LSHR, s).and(1).lanewise(VectorOperators.LSHL, 4));
                            ((FloatVector) quant.convert(VectorOperators.I2F, 0)).mul(scale).sub(min)
                                    .intoArray(dst, y + p);
                        }
                    }
                }
            }
        }
    }

    /**
     * block_q6_K: 128 bytes of low nibbles, 64 bytes of high bit pairs, 16 signed scales (one per 16 elements),
     * fp16 d; value = (d * scale) * (q - 32). See {@link ScalarKernels.Q6_K} for the element order.
     */
    static final class Q6_K extends Base {
        Q6_K(RowKernel dot) {
            super(dot);
        }

        @Override
        public void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = rowKernel.dot(w, r * rowBytes, x, xOffset, cols);
            }
        }

        @Override
        public void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst) {
            for (int i = 0; i < rows; i++) {
                long off = (rowStart + i) * rowBytes;
                int o = i * cols;
                for (int j = 0; j < cols; j += 256, off += 210) {
                    float d = f16(w, off + 208);
                    // Quarter k of half h: elements 128h + 32k + l (see GemvKernels' layout notes); one
                    // quarter per pass keeps a single copy of the vector code (C2's inlining budget).
                    for (int hk = 0; hk < 8; hk++) {
                        int h = hk >> 2;
                        int k = hk & 3;
                        ByteVector ql = ByteVector.fromMemorySegment(B256, w, off + 64 * h + 32 * (k & 1), LE);
                        ByteVector qh = ByteVector.fromMemorySegment(B256, w, off + 128 + 32 * h, LE);
                        ByteVector q = shiftRightMasked(ql, 4 * (k >> 1), 0x0F)
                                .or(shiftLeftSmall(shiftRightMasked(qh, 2 * k, 3), 4));
                        q6(q, d, w, off + 192 + 8 * h + 2 * k, dst, o + j + 128 * h + 32 * k);
                    }
                }
            }
        }

        /** 32 six-bit quants: the first 16 use the scale at {@code sc}, the next 16 the one at {@code sc + 1}. */
        private static void q6(ByteVector q, float d, MemorySegment w, long sc, float[] dst, int o) {
            ByteVector centered = q.sub((byte) 32);
            for (int p = 0; p < 32 / L; p++) {
                float scale = d * i8(w, sc + (p * L) / 16);
                ((FloatVector) centered.convertShape(VectorOperators.B2F, F, p)).mul(scale).intoArray(dst, o + p * L);
            }
        }
    }
}
