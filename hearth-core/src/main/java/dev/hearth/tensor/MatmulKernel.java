package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Products of a weight matrix with float activations, for one tensor element type. The matrix is GGUF tensor
 * data (memory-mapped, never copied): {@code rows} rows of {@code cols} elements, row {@code r} at byte
 * {@code r * rowBytes}.
 *
 * <p>Two paths, because generation and prompt processing are limited by different things:
 * <ul>
 *   <li>{@link #gemv}: one activation vector (a generated token). Every weight is read once and used once,
 *       so the speed is memory bandwidth as long as decoding a block costs less than reading it.</li>
 *   <li>{@link #dequantizeRows}: a few whole rows as exact floats, for {@link Gemm}, which multiplies them
 *       with a batch of activations (a prompt). Decoding is paid once per row and batch, and the product
 *       itself runs as register-tiled float FMAs.</li>
 * </ul>
 *
 * <p>Arguments are not checked in these hot methods: callers ({@code WeightMatrix}) validate the matrix
 * shape once, at load. Implementations are stateless, thread-safe and allocate nothing.
 */
public interface MatmulKernel {

    GgmlType type();

    /**
     * {@code out[outOffset + r] = row(r) . x[xOffset, xOffset + cols)} for every {@code r} in
     * {@code [rowStart, rowEnd)}.
     */
    void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset);

    /**
     * As {@link #gemv(MemorySegment, long, int, int, int, float[], int, float[], int)}, with the calling
     * thread's {@code scratch} of at least {@link #gemvScratchLength} floats for {@code cols}: the Q4_K, Q5_K
     * and Q6_K kernels rearrange {@code x} there (kept for the next call until {@link #invalidateGemvScratch}),
     * F16 converts row chunks there (see {@code GemvKernels}). Without it (null or too short) they take the
     * slower path that needs none.
     */
    default void gemv(MemorySegment w, long rowBytes, int cols, int rowStart, int rowEnd, float[] x, int xOffset,
            float[] out, int outOffset, float[] scratch) {
        gemv(w, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset);
    }

    /**
     * Tells the kernels that {@code scratch} no longer holds a prepared {@code x}: call it whenever the contents
     * of {@code x} change between {@code gemv} calls that share a scratch. The K-quant kernels keep x
     * rearranged there and skip the work when the next call has the same layout, length and offset, so that
     * the threads of one projection prepare x once each rather than once per chunk of rows. A new (zeroed)
     * array is already invalid.
     */
    static void invalidateGemvScratch(float[] scratch) {
        GemvKernels.invalidate(scratch);
    }

    /** Floats of per-thread scratch that {@code gemv} with scratch needs for matrices of {@code cols} columns. */
    static int gemvScratchLength(int cols) {
        return GemvKernels.scratchLength(cols);
    }

    /**
     * Rows {@code [rowStart, rowStart + rows)}, dequantized exactly as {@link RowKernel#dequantize} does, into
     * {@code dst[i * cols + j]}.
     */
    void dequantizeRows(MemorySegment w, long rowBytes, int cols, int rowStart, int rows, float[] dst);
}
