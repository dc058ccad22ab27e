package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;
import java.util.Objects;

/**
 * The row kernels for each tensor element type.
 *
 * <p>Supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS.
 * Other types (the IQ1/IQ2/IQ3 families, TQ*, MXFP4, integer types) throw
 * {@link UnsupportedTensorTypeException}.
 *
 * <p>Every kernel's {@link RowKernel#dequantize} is exact: it reproduces llama.cpp's dequantization bit for
 * bit. Dot products differ only in the order of float additions.
 */
public final class TensorKernels {

    private static final RowKernel[] SCALAR = new RowKernel[GgmlType.values().length];
    private static final RowKernel[] FASTEST = new RowKernel[GgmlType.values().length];

    static {
        for (GgmlType t : GgmlType.values()) {
            BlockKernel scalar = ScalarKernels.forType(t);
            SCALAR[t.ordinal()] = scalar;
            if (scalar != null) {
                RowKernel vector = VectorKernels.forType(t, scalar);
                FASTEST[t.ordinal()] = vector != null ? vector : scalar;
            }
        }
    }

    private TensorKernels() {
    }

    /**
     * The scalar reference kernel: straightforward code written from ggml's block layouts. Its dot product
     * dequantizes block by block and accumulates {@code sum += w[i] * x[i]} in one float, in element order,
     * rounding each product to float before the add (no fused multiply-add).
     *
     * @throws UnsupportedTensorTypeException if {@code t} is not supported
     */
    public static RowKernel scalar(GgmlType t) {
        return lookup(SCALAR, t);
    }

    /**
     * The fastest kernel for {@code t} on this machine: a Vector API kernel where one exists (F32, F16, BF16,
     * Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, with 128- to 512-bit vectors), else the scalar one. Its dequantization is
     * the exact one; its dot product agrees with {@link #scalar}'s up to float summation order.
     *
     * @throws UnsupportedTensorTypeException if {@code t} is not supported
     */
    public static RowKernel fastest(GgmlType t) {
        return lookup(FASTEST, t);
    }

    /** Whether {@link #scalar} and {@link #fastest} have a kernel for {@code t}. */
    public static boolean isSupported(GgmlType t) {
        return SCALAR[Objects.requireNonNull(t, "type").ordinal()] != null;
    }

    private static RowKernel lookup(RowKernel[] kernels, GgmlType t) {
        RowKernel k = kernels[Objects.requireNonNull(t, "type").ordinal()];
        if (k == null) {
            throw new UnsupportedTensorTypeException(t);
        }
        return k;
    }
}
