package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Reads rows of one tensor element type straight from (memory-mapped) tensor data.
 *
 * <p>{@code data} is a tensor's bytes as {@link dev.hearth.gguf.GgufFile#tensorData} returns them, or any
 * segment laid out the same way; {@code byteOffset} is relative to its start and must fall on a block
 * boundary (a multiple of {@link GgmlType#typeSize()}). {@code n} counts elements and must be a whole
 * number of blocks ({@link GgmlType#blockSize()}). Arguments out of range throw
 * {@link IndexOutOfBoundsException} or {@link IllegalArgumentException} before anything is read.
 *
 * <p>Implementations are stateless and thread-safe, and neither method allocates on the heap.
 */
public interface RowKernel {

    GgmlType type();

    /**
     * Dequantizes n elements (a multiple of the block size) starting at byteOffset (block aligned) into
     * out[outOffset..].
     */
    void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int n);

    /** Dot product of n elements of the row at byteOffset with x[xOffset..xOffset+n). */
    float dot(MemorySegment data, long byteOffset, float[] x, int xOffset, int n);
}
