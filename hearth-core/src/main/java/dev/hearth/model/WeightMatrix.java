package dev.hearth.model;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.tensor.RowKernel;
import dev.hearth.tensor.TensorKernels;
import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor that stays in the memory-mapped file: {@code rows} rows of {@code cols} elements
 * (GGUF shape {@code [cols, rows]}), each row {@code rowBytes} bytes of {@link #type}.
 *
 * <p>{@link #rowRange} makes a view of consecutive rows without copying, which is how fused tensors
 * (Phi-3's {@code attn_qkv} and gate/up {@code ffn_up}) are split into their parts.
 */
public final class WeightMatrix {
    private final String name;
    private final GgmlType type;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;
    private final RowKernel kernel;

    private WeightMatrix(String name, GgmlType type, MemorySegment data, int rows, int cols, long rowBytes) {
        this.name = name;
        this.type = type;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = rowBytes;
        this.kernel = TensorKernels.fastest(type);
    }

    /** The 2-D tensor {@code name} with the expected shape [cols, rows]; a clear error otherwise. */
    public static WeightMatrix load(GgufFile file, String name, int expectedCols, int expectedRows) {
        GgufTensorInfo info = file.tensor(name);
        long[] shape = info.shape();
        long rows = info.rows();
        if (shape[0] != expectedCols || (expectedRows >= 0 && rows != expectedRows)) {
            throw new GgufException("tensor '" + name + "' has shape " + java.util.Arrays.toString(shape)
                    + ", expected [" + expectedCols + ", " + (expectedRows >= 0 ? expectedRows : "any") + "]");
        }
        if (rows > Integer.MAX_VALUE) {
            throw new GgufException("tensor '" + name + "' has too many rows: " + rows);
        }
        return new WeightMatrix(name, info.type(), file.tensorData(info), (int) rows, expectedCols, info.rowBytes());
    }

    /** Rows {@code [start, start + count)} as a matrix of their own (no copy). */
    public WeightMatrix rowRange(String viewName, int start, int count) {
        if (start < 0 || count <= 0 || start + count > rows) {
            throw new GgufException("tensor '" + name + "' has " + rows + " rows; cannot take rows " + start + ".."
                    + (start + count));
        }
        return new WeightMatrix(viewName, type, data.asSlice(start * rowBytes, count * rowBytes), count, cols, rowBytes);
    }

    public String name() {
        return name;
    }

    public GgmlType type() {
        return type;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public MemorySegment data() {
        return data;
    }

    public long rowBytes() {
        return rowBytes;
    }

    public RowKernel kernel() {
        return kernel;
    }

    /** Bytes of weights read by one pass over the matrix. */
    public long byteSize() {
        return rowBytes * rows;
    }

    /** Dot product of row {@code row} with {@code x[xOffset .. xOffset + cols)}. */
    public float dotRow(int row, float[] x, int xOffset) {
        return kernel.dot(data, row * rowBytes, x, xOffset, cols);
    }

    /** Dequantizes row {@code row} into {@code out[outOffset .. outOffset + cols)}. */
    public void dequantizeRow(int row, float[] out, int outOffset) {
        kernel.dequantize(data, row * rowBytes, out, outOffset, cols);
    }
}
