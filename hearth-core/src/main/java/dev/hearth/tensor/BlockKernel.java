package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Base of the scalar reference kernels: a type's kernel only says how to dequantize one block, and rows
 * are processed block by block.
 *
 * <p>The reference dot product dequantizes each block into a per-thread scratch buffer (so that it does
 * not allocate) and accumulates {@code sum += w[i] * x[i]} in one float, in element order, each product
 * rounded to float before the add (Java never fuses them). That is slow and simple on purpose: the fast
 * kernels are tested against it.
 */
abstract class BlockKernel implements RowKernel {

    /** Largest block of any supported type (the 256-element super-blocks of the K-quants). */
    static final int MAX_BLOCK = 256;

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[MAX_BLOCK]);

    private final GgmlType type;
    final int blockSize;
    final int typeSize;

    BlockKernel(GgmlType type) {
        this.type = type;
        this.blockSize = type.blockSize();
        this.typeSize = type.typeSize();
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    /** Writes the {@link #blockSize} values of the block at {@code offset} to {@code out[outOffset..]}. */
    abstract void dequantizeBlock(MemorySegment data, long offset, float[] out, int outOffset);

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int n) {
        checkRow(type, data, byteOffset, out, outOffset, n);
        long offset = byteOffset;
        for (int i = 0; i < n; i += blockSize) {
            dequantizeBlock(data, offset, out, outOffset + i);
            offset += typeSize;
        }
    }

    @Override
    public float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n) {
        checkRow(type, data, byteOffset, x, xOffset, n);
        float[] w = SCRATCH.get();
        float sum = 0f;
        long offset = byteOffset;
        for (int i = 0; i < n; i += blockSize) {
            dequantizeBlock(data, offset, w, 0);
            for (int j = 0; j < blockSize; j++) {
                sum += w[j] * x[xOffset + i + j];
            }
            offset += typeSize;
        }
        return sum;
    }

    /**
     * Checks the arguments of {@link RowKernel#dequantize} and {@link RowKernel#dot}: {@code n} whole
     * blocks, {@code array[arrayOffset, arrayOffset + n)} inside the array, {@code byteOffset} on a block
     * boundary and the row's bytes inside {@code data}.
     */
    static void checkRow(GgmlType type, MemorySegment data, long byteOffset, float[] array, int arrayOffset, int n) {
        int blockSize = type.blockSize();
        if (n < 0 || n % blockSize != 0) {
            throw new IllegalArgumentException(
                    "n=" + n + " is not a whole number of " + type + " blocks (" + blockSize + " elements each)");
        }
        if (arrayOffset < 0 || arrayOffset > array.length - n) {
            throw new IndexOutOfBoundsException("elements [" + arrayOffset + ", " + arrayOffset + " + " + n
                    + ") are outside an array of length " + array.length);
        }
        int typeSize = type.typeSize();
        if (byteOffset < 0 || byteOffset % typeSize != 0) {
            throw new IllegalArgumentException("byte offset " + byteOffset + " is not on a " + type
                    + " block boundary (" + typeSize + "-byte blocks)");
        }
        long bytes = (long) (n / blockSize) * typeSize;
        if (byteOffset > data.byteSize() - bytes) {
            throw new IndexOutOfBoundsException(n + " " + type + " elements at byte offset " + byteOffset + " need "
                    + bytes + " bytes, but the tensor data has " + data.byteSize());
        }
    }
}
