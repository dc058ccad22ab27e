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
 * must stay below what memory delivers. Each row is one sequential read (see below why not two rows per
 * pass); the kernels keep a block's partial dot product in a float vector and apply the block scale with one
 * fused multiply-add per block. Results differ from the scalar reference only in the order of float
 * additions (and FMA's single rounding).
 *
 * <p>Alternatives measured on one AVX-512 core (Zen 4, MatmulThroughput) and dropped:
 * <ul>
 *   <li>Two rows per pass (each x vector loaded once for both rows): as fast with the weights in cache,
 *       but streaming a 256 MiB matrix from memory Q8_0 fell from 17.2 to 6.7 GB/s and Q4_0 from 9.3 to 4.8:
 *       two interleaved streams defeat the hardware prefetcher. One row at a time keeps the in-cache speed.</li>
 *   <li>Q4_K, Q5_K, Q6_K kernels that sum q * x per sub-block and scale once (mins applied to sums of x):
 *       4.6, 4.3 and 5.2 GB/s in cache against 5.1, 4.5 and 5.4 for {@link VectorKernels}' row dot, which they use;
 *       a two-row version of them parses into more nodes than C2 inlines, and then allocates.</li>
 *   <li>Q4_0 decoded in int lanes (bytes zero-extended to ints, nibbles split there, the -8 applied to
 *       per-block sums of x): 6.3 GB/s in cache against 9.2 for the byte-lane kernel below.</li>
 * </ul>
 * Activations quantized to 8-bit blocks (llama.cpp's approach) were not built: without VNNI or a pairwise
 * multiply-add in the Vector API an int8 product needs a widening, a 16-bit multiply and two more widenings
 * before the per-block float scale, no fewer instructions than the float path (the int-lane Q4_0 experiment
 * above is its decoding half), and it would change the logits that the golden tests hold within 0.02.
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
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q4_0Row(w, r * rowBytes, cols, x, xOffset);
        }
    }

    private static float q4_0Row(MemorySegment w, long off, int cols, float[] x, int xOffset) {
        // One int induction variable with every offset linear in it, so that C2 checks the segment and array
        // ranges once per loop; two accumulators taking turns (independent chains of multiply-adds). Two
        // blocks per pass unrolled by hand measured no faster.
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 18L * b;
            int xi = xOffset + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(B128, w, o + 2, LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = MatmulKernels.shiftRightMasked128(q, 4, 0x0F).sub((byte) 8);
            FloatVector block = FloatVector.zero(F);
            for (int p = 0; p < 16 / L; p++) {
                block = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xi + p * L), block);
                block = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xi + 16 + p * L), block);
            }
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    // ---- Q8_0 ---------------------------------------------------------------------------------------------

    static void q8_0(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r] = q8_0Row(w, r * rowBytes, cols, x, xOffset);
        }
    }

    private static float q8_0Row(MemorySegment w, long off, int cols, float[] x, int xOffset) {
        int blocks = cols >> 5;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + 34L * b;
            int xi = xOffset + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(B256, w, o + 2, LE);
            FloatVector block = FloatVector.zero(F);
            for (int p = 0; p < 32 / L; p++) {
                block = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p))
                        .fma(FloatVector.fromArray(F, x, xi + p * L), block);
            }
            FloatVector next = block.fma(FloatVector.broadcast(F, f16(w, o)), acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
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
