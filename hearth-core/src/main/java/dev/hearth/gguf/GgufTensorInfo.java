package dev.hearth.gguf;

import java.util.Arrays;

/**
 * A tensor's entry in the GGUF tensor table.
 *
 * @param name tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type element type
 * @param shape dimensions in GGML order: {@code shape[0]} is the row length (contiguous), {@code shape[1]}
 *     the number of rows, and so on
 * @param offset byte offset of the data from the start of the file's data section
 * @param elementCount product of the dimensions
 * @param byteSize bytes the data takes in the file
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long elementCount, long byteSize) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dimensions() {
        return shape.length;
    }

    /** Length of dimension {@code i}, 1 past the last dimension (as GGML pads shapes to 4). */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    /** Elements in one row ({@code shape[0]}). */
    public long rowLength() {
        return shape[0];
    }

    /** Number of rows: all dimensions but the first, multiplied. */
    public long rows() {
        return elementCount / shape[0];
    }

    /** Bytes in one row. */
    public long rowBytes() {
        return type.byteSize(shape[0]);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(offset);
    }
}
