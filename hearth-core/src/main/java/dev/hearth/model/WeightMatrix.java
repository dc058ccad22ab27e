package dev.hearth.model;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.tensor.Gemm;
import dev.hearth.tensor.InterleavedMatrix;
import dev.hearth.tensor.MatmulKernel;
import dev.hearth.tensor.MatmulKernels;
import dev.hearth.tensor.RowKernel;
import dev.hearth.tensor.TensorKernels;
import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor that stays in the memory-mapped file: {@code rows} rows of {@code cols} elements
 * (GGUF shape {@code [cols, rows]}), each row {@code rowBytes} bytes of {@link #type}.
 *
 * <p>{@link #rowRange} makes a view of consecutive rows without copying, which is how fused tensors
 * (Phi-3's {@code attn_qkv} and gate/up {@code ffn_up}) are split into their parts.
 *
 * <p>The one exception to "no copy": Q4_0 and Q4_K matrices on machines with 512-bit vectors are repacked at
 * load into {@link InterleavedMatrix}'s 32-row groups (the same size as the file's bytes). Every product and row
 * lookup reads that copy, and the mapped pages it was made from are unloaded, so they leave resident memory;
 * {@link RepackedMatrices} keeps the copy in a cache file, mapped in turn by the next load.
 */
public final class WeightMatrix {
    private final String name;
    private final GgmlType type;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;
    private final RowKernel kernel;
    private final MatmulKernel matmul;
    /** The rows repacked by {@link InterleavedMatrix}, or null where the kernels read {@link #data}. */
    private final InterleavedMatrix interleaved;

    private WeightMatrix(String name, GgmlType type, MemorySegment data, int rows, int cols, long rowBytes,
            InterleavedMatrix interleaved) {
        this.name = name;
        this.type = type;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = rowBytes;
        this.kernel = TensorKernels.fastest(type);
        this.matmul = MatmulKernels.forType(type);
        this.interleaved = interleaved;
    }

    /**
     * The 2-D tensor {@code name} with the expected shape [cols, rows]; a clear error otherwise. A matrix this
     * machine repacks comes from {@code repacked}.
     */
    public static WeightMatrix load(GgufFile file, RepackedMatrices repacked, String name, int expectedCols,
            int expectedRows) {
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
        InterleavedMatrix interleaved = InterleavedMatrix.applies(info.type(), rows, expectedCols)
                ? repacked.matrix(info, (int) rows, expectedCols) : null;
        return new WeightMatrix(name, info.type(), file.tensorData(info), (int) rows, expectedCols, info.rowBytes(),
                interleaved);
    }

    /** Rows {@code [start, start + count)} as a matrix of their own (no copy). */
    public WeightMatrix rowRange(String viewName, int start, int count) {
        if (start < 0 || count <= 0 || start + count > rows) {
            throw new GgufException("tensor '" + name + "' has " + rows + " rows; cannot take rows " + start + ".."
                    + (start + count));
        }
        int group = InterleavedMatrix.GROUP_ROWS;
        InterleavedMatrix part = interleaved != null && start % group == 0 && count % group == 0
                ? interleaved.rows(start, count) : null;
        return new WeightMatrix(viewName, type, data.asSlice(start * rowBytes, count * rowBytes), count, cols, rowBytes,
                part);
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

    /**
     * The memory a product with this matrix reads: the repacked groups where there are any, else the rows in
     * the mapped file. A benchmark reads exactly these bytes to measure the bandwidth generation can reach.
     */
    public java.util.List<MemorySegment> storage() {
        return interleaved != null ? interleaved.regions() : java.util.List.of(data);
    }

    /** Whether the products read a repacked copy ({@link InterleavedMatrix}) rather than the file's rows. */
    public boolean repacked() {
        return interleaved != null;
    }

    /** Dot product of row {@code row} with {@code x[xOffset .. xOffset + cols)}. */
    public float dotRow(int row, float[] x, int xOffset) {
        if (interleaved != null) {
            return interleaved.dotRow(row, x, xOffset);
        }
        return kernel.dot(data, row * rowBytes, x, xOffset, cols);
    }

    /**
     * {@code out[outOffset + r] = row(r) . x[xOffset, xOffset + cols)} for rows {@code [rowStart, rowEnd)}: the
     * matrix-vector kernel of generation.
     */
    public void gemv(int rowStart, int rowEnd, float[] x, int xOffset, float[] out, int outOffset) {
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, rows);
        java.util.Objects.checkFromIndexSize(xOffset, cols, x.length);
        java.util.Objects.checkFromIndexSize(outOffset + rowStart, rowEnd - rowStart, out.length);
        if (interleaved != null) {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = interleaved.dotRow(r, x, xOffset);
            }
            return;
        }
        matmul.gemv(data, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset);
    }

    /**
     * As {@link #gemv(int, int, float[], int, float[], int)} with the calling thread's {@code scratch} of
     * {@link dev.hearth.tensor.MatmulKernel#gemvScratchLength} floats for {@link #cols()}, which the Q4_K, Q5_K
     * and Q6_K kernels need for their fast path, and repacked matrices ({@link InterleavedMatrix}) for their 8-bit x.
     */
    public void gemv(int rowStart, int rowEnd, float[] x, int xOffset, float[] out, int outOffset, float[] scratch) {
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, rows);
        java.util.Objects.checkFromIndexSize(xOffset, cols, x.length);
        java.util.Objects.checkFromIndexSize(outOffset + rowStart, rowEnd - rowStart, out.length);
        if (interleaved != null) {
            if (scratch == null || scratch.length < MatmulKernel.gemvScratchLength(cols)) {
                gemv(rowStart, rowEnd, x, xOffset, out, outOffset);
            } else {
                interleaved.gemv(rowStart, rowEnd, x, xOffset, out, outOffset, scratch);
            }
            return;
        }
        matmul.gemv(data, rowBytes, cols, rowStart, rowEnd, x, xOffset, out, outOffset, scratch);
    }

    /**
     * {@code out[t * rows() + r] = row(r) . x[t]} for rows {@code [rowStart, rowEnd)} and the {@code n} rows of
     * activations {@link Gemm#pack packed} in {@code packed}; {@code tile} is the calling thread's scratch.
     */
    public void gemm(int rowStart, int rowEnd, float[] packed, int n, float[] out, float[] tile) {
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, rows);
        if (packed.length < Gemm.packedLength(n, cols) || tile.length < Gemm.tileLength(cols)
                || out.length < (long) n * rows) {
            throw new IllegalArgumentException("gemm buffers too small for " + n + " rows of " + cols + " columns");
        }
        if (interleaved != null) {
            Gemm.multiplyInterleaved(interleaved, rowStart, rowEnd, packed, n, out, rows, tile);
            return;
        }
        Gemm.multiply(matmul, data, rowBytes, cols, rowStart, rowEnd, packed, n, out, rows, tile);
    }

    /** Dequantizes row {@code row} into {@code out[outOffset .. outOffset + cols)}. */
    public void dequantizeRow(int row, float[] out, int outOffset) {
        if (interleaved != null) {
            interleaved.dequantizeRow(row, out, outOffset);
            return;
        }
        kernel.dequantize(data, row * rowBytes, out, outOffset, cols);
    }
}
