package dev.hearth.convert;

import dev.hearth.engine.ComputePool;
import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufKeys;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.gguf.GgufValue;
import dev.hearth.gguf.GgufWriter;
import dev.hearth.tensor.Quantizer;
import dev.hearth.tensor.RowKernel;
import dev.hearth.tensor.TensorKernels;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a GGUF model with its weights in another {@link FileType}: metadata is copied (with
 * {@code general.file_type} and {@code general.quantization_version} updated), tensors are ordered as
 * llama-quantize orders them ({@link #llamaCppOrder}), and each tensor gets the type {@link FileType#tensorType} picks. A tensor already of that type is
 * copied byte for byte; others are dequantized row by row (exactly, {@link TensorKernels#scalar}) and encoded
 * by {@link Quantizer} (llama.cpp's reference rounding), a chunk of rows at a time on several threads, while the output is written, so the
 * model is never held in memory.
 */
public final class ModelQuantizer {
    /** Rows encoded per parallel step (bounded in bytes below). */
    private static final int CHUNK_BYTES = 4 << 20;

    private ModelQuantizer() {
    }

    public static void quantize(Path in, Path out, FileType type, int threads) throws IOException {
        try (GgufFile file = GgufFile.open(in); ComputePool pool = new ComputePool(threads)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : file.metadata().entrySet()) {
                String key = e.getKey();
                if (!key.equals(GgufKeys.GENERAL_FILE_TYPE) && !key.equals(GgufKeys.GENERAL_QUANTIZATION_VERSION)) {
                    w.put(key, e.getValue());
                }
            }
            // llama-quantize removes and re-appends these two, in this order: with the same tensors the file is
            // then byte-for-byte the one llama.cpp writes.
            w.putUInt32(GgufKeys.GENERAL_QUANTIZATION_VERSION, 2);
            w.putUInt32(GgufKeys.GENERAL_FILE_TYPE, type.llamaFileType());
            String arch = file.has(GgufKeys.GENERAL_ARCHITECTURE) ? file.architecture() : "";
            String blocks = GgufKeys.arch(GgufKeys.BLOCK_COUNT, arch);
            int layers = file.has(blocks) ? file.getInt(blocks) : 0;
            boolean hasOutput = file.findTensor(GgufKeys.OUTPUT).isPresent();
            List<GgufTensorInfo> tensors = new ArrayList<>(file.tensors());
            tensors.sort(ModelQuantizer::llamaCppOrder);
            for (GgufTensorInfo info : tensors) {
                boolean isOutput = info.name().equals(GgufKeys.OUTPUT) || (!hasOutput && info.name().equals(GgufKeys.TOKEN_EMBD));
                GgmlType target = info.type().isQuantized() || isFloat(info.type())
                        ? type.tensorType(info.name(), info.dimensions(), info.rowLength(), layers, isOutput)
                        : info.type();
                MemorySegment data = file.tensorData(info);
                if (target == info.type()) {
                    w.addTensor(info.name(), info.type(), info.shape(), data);
                } else {
                    if (!Quantizer.canQuantize(target)) {
                        throw new IllegalArgumentException("writing " + target + " tensors is not supported");
                    }
                    RowKernel source = TensorKernels.scalar(info.type());
                    w.addTensor(info.name(), target, info.shape(), o -> convert(o, data, info, source, target, pool));
                }
            }
            w.write(out);
        } catch (GgufException e) {
            throw new GgufException(in.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The order of llama.cpp's model loader ({@code weight_name_comparer}), in which llama-quantize writes
     * tensors: tensors outside the blocks first, then block by block ({@code blk.N.} with N ascending), each
     * group by name (bytewise).
     */
    static int llamaCppOrder(GgufTensorInfo a, GgufTensorInfo b) {
        int la = FileType.layerIndex(a.name());
        int lb = FileType.layerIndex(b.name());
        if (la != lb) {
            return Integer.compare(la, lb);
        }
        return Arrays.compareUnsigned(a.name().getBytes(StandardCharsets.UTF_8), b.name().getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isFloat(GgmlType t) {
        return t == GgmlType.F32 || t == GgmlType.F16 || t == GgmlType.BF16;
    }

    private static void convert(WritableByteChannel out, MemorySegment data, GgufTensorInfo info, RowKernel source,
            GgmlType target, ComputePool pool) throws IOException {
        int cols = Math.toIntExact(info.rowLength());
        long rows = info.elementCount() / cols;
        long srcRowBytes = info.rowBytes();
        long dstRowBytes = target.byteSize(cols);
        int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_BYTES / Math.max(dstRowBytes, srcRowBytes)));
        byte[] chunk = new byte[Math.toIntExact(chunkRows * dstRowBytes)];
        float[][] scratch = new float[pool.threads()][cols];
        for (long r = 0; r < rows; r += chunkRows) {
            int n = (int) Math.min(chunkRows, rows - r);
            long first = r;
            pool.parallelFor(n, 1, (start, end, thread) -> {
                float[] row = scratch[thread];
                MemorySegment dst = MemorySegment.ofArray(chunk);
                for (int i = start; i < end; i++) {
                    source.dequantize(data, (first + i) * srcRowBytes, row, 0, cols);
                    Quantizer.quantize(target, row, 0, cols, dst, i * dstRowBytes);
                }
            });
            ByteBuffer buf = ByteBuffer.wrap(chunk, 0, Math.toIntExact(n * dstRowBytes));
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        }
    }
}
