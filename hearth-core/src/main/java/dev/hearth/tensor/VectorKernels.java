package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;

/** Vector API kernels (placeholder until the vector dot products land). */
final class VectorKernels {

    private VectorKernels() {
    }

    /** The vector kernel for {@code type}, or null where the scalar one is used. */
    static RowKernel forType(GgmlType type, BlockKernel scalar) {
        return null;
    }
}
