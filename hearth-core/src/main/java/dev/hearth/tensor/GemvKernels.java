package dev.hearth.tensor;

import static dev.hearth.tensor.MatmulKernels.B128;
import static dev.hearth.tensor.MatmulKernels.B256;
import static dev.hearth.tensor.MatmulKernels.F;
import static dev.hearth.tensor.MatmulKernels.HALVES;
import static dev.hearth.tensor.MatmulKernels.I;
import static dev.hearth.tensor.MatmulKernels.L;
import static dev.hearth.tensor.MatmulKernels.LE;
import static dev.hearth.tensor.TensorBytes.f16;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix-vector kernels for generation, where a token reads every weight once: the work per weight byte
 * must stay below what memory delivers. They take two rows per pass so the two rows' decoding overlaps and
 * each activation vector is loaded once for both, keep the block's partial dot product in a float vector and
 * apply the block scale with one fused multiply-add per block. Results differ from the scalar reference
 * only in the order of float additions (and FMA's single rounding).
 */
final class GemvKernels {

    /** One type's matrix-vector product; see {@link MatmulKernel#gemv}. */
    interface Gemv {
        void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
                float[] out, int outOffset);
    }

    private GemvKernels() {
    }

    /** The dedicated kernel for {@code type}, or null to use the row kernel's dot product. */
    static Gemv forType(GgmlType type) {
        if (!MatmulKernels.VECTOR) {
            return null;
        }
        return switch (type) {
            case Q4_0 -> GemvKernels::q4_0;
            case Q8_0 -> GemvKernels::q8_0;
            case F16 -> GemvKernels::halfFloat;
            default -> null;
        };
    }

    // ---- Q4_0 ---------------------------------------------------------------------------------------------

    static void q4_0(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset) {
        int r = rowStart;
        for (; r + 1 < rowEnd; r += 2) {
            q4_0Pair(w, r * rowBytes, rowBytes, cols, x, xOffset, out, outOffset + r);
        }
        if (r < rowEnd) {
            out[outOffset + r] = q4_0Row(w, r * rowBytes, cols, x, xOffset);
        }
    }

    /** Block sum of 32 weights {@code (nibble - 8)} with x[i..i+32), as one float vector. */
    private static FloatVector q4_0Block(MemorySegment w, long off, FloatVector x0, FloatVector x1) {
        ByteVector q = ByteVector.fromMemorySegment(B128, w, off + 2, LE);
        ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
        ByteVector hi = MatmulKernels.shiftRightMasked128(q, 4, 0x0F).sub((byte) 8);
        FloatVector f0 = (FloatVector) lo.convertShape(VectorOperators.B2F, F, 0);
        FloatVector f1 = (FloatVector) hi.convertShape(VectorOperators.B2F, F, 0);
        return f0.fma(x0, f1.mul(x1));
    }

    private static void q4_0Pair(MemorySegment w, long off, long rowBytes, int cols, float[] x, int xOffset,
            float[] out, int o) {
        if (L != 16) {
            out[o] = q4_0Row(w, off, cols, x, xOffset);
            out[o + 1] = q4_0Row(w, off + rowBytes, cols, x, xOffset);
            return;
        }
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        long off1 = off + rowBytes;
        for (int i = 0; i < cols; i += 32, off += 18, off1 += 18) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOffset + i);
            FloatVector x1 = FloatVector.fromArray(F, x, xOffset + i + 16);
            acc0 = q4_0Block(w, off, x0, x1).fma(FloatVector.broadcast(F, f16(w, off)), acc0);
            acc1 = q4_0Block(w, off1, x0, x1).fma(FloatVector.broadcast(F, f16(w, off1)), acc1);
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD);
    }

    private static float q4_0Row(MemorySegment w, long off, int cols, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < cols; i += 32, off += 18) {
            ByteVector q = ByteVector.fromMemorySegment(B128, w, off + 2, LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = MatmulKernels.shiftRightMasked128(q, 4, 0x0F).sub((byte) 8);
            FloatVector block = FloatVector.zero(F);
            for (int p = 0; p < 16 / L; p++) {
                block = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xOffset + i + p * L), block);
                block = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xOffset + i + 16 + p * L), block);
            }
            acc = block.fma(FloatVector.broadcast(F, f16(w, off)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    // ---- Q8_0 ---------------------------------------------------------------------------------------------

    static void q8_0(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset) {
        int r = rowStart;
        if (L == 16) {
            for (; r + 1 < rowEnd; r += 2) {
                q8_0Pair(w, r * rowBytes, rowBytes, cols, x, xOffset, out, outOffset + r);
            }
        }
        for (; r < rowEnd; r++) {
            out[outOffset + r] = q8_0Row(w, r * rowBytes, cols, x, xOffset);
        }
    }

    private static void q8_0Pair(MemorySegment w, long off, long rowBytes, int cols, float[] x, int xOffset,
            float[] out, int o) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        long off1 = off + rowBytes;
        for (int i = 0; i < cols; i += 32, off += 34, off1 += 34) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOffset + i);
            FloatVector x1 = FloatVector.fromArray(F, x, xOffset + i + 16);
            ByteVector q = ByteVector.fromMemorySegment(B256, w, off + 2, LE);
            FloatVector b = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).fma(x0,
                    ((FloatVector) q.convertShape(VectorOperators.B2F, F, 1)).mul(x1));
            acc0 = b.fma(FloatVector.broadcast(F, f16(w, off)), acc0);
            ByteVector p = ByteVector.fromMemorySegment(B256, w, off1 + 2, LE);
            FloatVector c = ((FloatVector) p.convertShape(VectorOperators.B2F, F, 0)).fma(x0,
                    ((FloatVector) p.convertShape(VectorOperators.B2F, F, 1)).mul(x1));
            acc1 = c.fma(FloatVector.broadcast(F, f16(w, off1)), acc1);
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD);
    }

    private static float q8_0Row(MemorySegment w, long off, int cols, float[] x, int xOffset) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < cols; i += 32, off += 34) {
            ByteVector q = ByteVector.fromMemorySegment(B256, w, off + 2, LE);
            FloatVector block = FloatVector.zero(F);
            for (int p = 0; p < 32 / L; p++) {
                block = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xOffset + i + p * L), block);
            }
            acc = block.fma(FloatVector.broadcast(F, f16(w, off)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    // ---- F16 ----------------------------------------------------------------------------------------------

    /**
     * binary16 to float with three integer and one float operation: the magnitude's bits shifted into float
     * position are the value times 2^-112 (subnormals included, as float subnormals), so one exact multiply
     * by 2^112 finishes finite values; infinity and NaN get an all-ones exponent instead.
     */
    static FloatVector halfToFloat(ShortVector halves) {
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                .blend(shifted.or(0x7F80_0000), magnitude.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    static void halfFloat(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            long off = r * rowBytes;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            int i = 0;
            for (; i <= cols - 2 * L; i += 2 * L) {
                acc0 = halfToFloat(ShortVector.fromMemorySegment(HALVES, w, off + 2L * i, LE))
                        .fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = halfToFloat(ShortVector.fromMemorySegment(HALVES, w, off + 2L * i + 2L * L, LE))
                        .fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
            }
            float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
            for (; i < cols; i++) {
                sum += Float16.toFloat(w.get(TensorBytes.SHORT_LE, off + 2L * i)) * x[xOffset + i];
            }
            out[outOffset + r] = sum;
        }
    }
}
