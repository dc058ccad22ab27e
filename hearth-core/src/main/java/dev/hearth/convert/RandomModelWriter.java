package dev.hearth.convert;

import static dev.hearth.gguf.GgufKeys.*;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufKeys;
import dev.hearth.gguf.GgufWriter;
import dev.hearth.tensor.BFloat16;
import dev.hearth.tensor.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a Llama-architecture GGUF file of a given {@link ModelShape} with random weights, in the tensor types
 * {@link FileType} picks for each tensor (llama.cpp's mixes), with a {@link SyntheticVocabulary}: a model of a
 * real model's size and layout for benchmarks, without downloading one.
 *
 * <p>Weights are random in the quantized domain: random quant bits under small fixed block scales (float types
 * get uniform values in [-0.05, 0.05)); every block is valid for llama.cpp and Hearth. Tensors are produced
 * row by row while the file is written, so memory use does not grow with the model (a 2.5 GB F16 file needs a
 * few megabytes of heap). The same seed gives the same file.
 */
public final class RandomModelWriter {
    private static final int CHUNK_BYTES = 1 << 20;

    private RandomModelWriter() {
    }

    /** Writes {@code shape} with weights of {@code type} to {@code out} (atomically, see {@link GgufWriter#write}). */
    public static void write(ModelShape shape, FileType type, Path out, long seed) throws IOException {
        GgufWriter w = new GgufWriter();
        String arch = "llama";
        w.putString(GENERAL_ARCHITECTURE, arch);
        w.putString(GENERAL_NAME, "random " + shape.name());
        w.putUInt32(GENERAL_FILE_TYPE, type.llamaFileType());
        w.putUInt32(GENERAL_QUANTIZATION_VERSION, 2);
        w.putUInt32(GgufKeys.arch(CONTEXT_LENGTH, arch), shape.contextLength());
        w.putUInt32(GgufKeys.arch(EMBEDDING_LENGTH, arch), shape.embeddingLength());
        w.putUInt32(GgufKeys.arch(BLOCK_COUNT, arch), shape.blockCount());
        w.putUInt32(GgufKeys.arch(FEED_FORWARD_LENGTH, arch), shape.feedForwardLength());
        w.putUInt32(GgufKeys.arch(ATTENTION_HEAD_COUNT, arch), shape.headCount());
        w.putUInt32(GgufKeys.arch(ATTENTION_HEAD_COUNT_KV, arch), shape.headCountKv());
        w.putUInt32(GgufKeys.arch(ROPE_DIMENSION_COUNT, arch), shape.headDim());
        w.putFloat32(GgufKeys.arch(ROPE_FREQ_BASE, arch), shape.ropeBase());
        w.putFloat32(GgufKeys.arch(ATTENTION_LAYERNORM_RMS_EPS, arch), 1e-5f);
        w.putUInt32(GgufKeys.arch(VOCAB_SIZE, arch), shape.vocabSize());
        SyntheticVocabulary.put(w, shape.vocabSize());

        int dim = shape.embeddingLength();
        int kv = shape.headCountKv() * shape.headDim();
        int layers = shape.blockCount();
        SplittableRandom seeds = new SplittableRandom(seed);
        matrix(w, type, TOKEN_EMBD, dim, shape.vocabSize(), layers, shape.tiedOutput(), seeds.split());
        for (int i = 0; i < layers; i++) {
            w.addTensor(layer(ATTN_NORM, i), new long[] {dim}, ones(dim));
            matrix(w, type, layer(ATTN_Q, i), dim, dim, layers, false, seeds.split());
            matrix(w, type, layer(ATTN_K, i), dim, kv, layers, false, seeds.split());
            matrix(w, type, layer(ATTN_V, i), dim, kv, layers, false, seeds.split());
            matrix(w, type, layer(ATTN_OUTPUT, i), dim, dim, layers, false, seeds.split());
            w.addTensor(layer(FFN_NORM, i), new long[] {dim}, ones(dim));
            matrix(w, type, layer(FFN_GATE, i), dim, shape.feedForwardLength(), layers, false, seeds.split());
            matrix(w, type, layer(FFN_UP, i), dim, shape.feedForwardLength(), layers, false, seeds.split());
            matrix(w, type, layer(FFN_DOWN, i), shape.feedForwardLength(), dim, layers, false, seeds.split());
        }
        w.addTensor(OUTPUT_NORM, new long[] {dim}, ones(dim));
        if (!shape.tiedOutput()) {
            matrix(w, type, OUTPUT, dim, shape.vocabSize(), layers, true, seeds.split());
        }
        if (shape.llama3RopeFactor() > 0) {
            float[] factors = llama3RopeFactors(shape.headDim(), shape.ropeBase(), shape.llama3RopeFactor());
            w.addTensor(ROPE_FREQS, new long[] {factors.length}, factors);
        }
        w.write(out);
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    /**
     * Llama 3.1 rope scaling as {@code rope_freqs.weight} (divisors of each rotary frequency): wavelengths
     * shorter than original context / 4 are kept, longer than the original context divided by {@code factor},
     * with a smooth blend between (low frequency factor 1, high 4, original context 8192).
     */
    static float[] llama3RopeFactors(int headDim, float base, float factor) {
        double lowFreqWavelen = 8192 / 1.0;
        double highFreqWavelen = 8192 / 4.0;
        float[] out = new float[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            double freq = Math.pow(base, -2.0 * i / headDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highFreqWavelen) {
                out[i] = 1f;
            } else if (wavelen > lowFreqWavelen) {
                out[i] = factor;
            } else {
                double smooth = (8192 / wavelen - 1) / (4 - 1);
                out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }

    private static void matrix(GgufWriter w, FileType fileType, String name, int cols, int rows, int layers,
            boolean isOutput, SplittableRandom random) {
        GgmlType t = fileType.tensorType(name, 2, cols, layers, isOutput);
        long rowBytes = t.byteSize(cols);
        w.addTensor(name, t, new long[] {cols, rows}, out -> writeRows(out, t, cols, rows, rowBytes, random));
    }

    private static void writeRows(WritableByteChannel out, GgmlType t, int cols, int rows, long rowBytes,
            SplittableRandom random) throws IOException {
        int rowsPerChunk = (int) Math.max(1, CHUNK_BYTES / rowBytes);
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(rowBytes * rowsPerChunk)).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; ) {
            int n = Math.min(rowsPerChunk, rows - r);
            buf.clear();
            for (int i = 0; i < n; i++) {
                fillRow(t, cols, buf, random);
            }
            buf.flip();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            r += n;
        }
    }

    private static float uniform(SplittableRandom random) {
        return (float) ((random.nextInt() >> 8) * (0.05 / (1 << 23)));
    }

    /** Appends one random row of {@code cols} elements of type {@code t} to {@code buf}. */
    static void fillRow(GgmlType t, int cols, ByteBuffer buf, SplittableRandom random) {
        switch (t) {
            case F32 -> {
                for (int i = 0; i < cols; i++) {
                    buf.putFloat(uniform(random));
                }
            }
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    buf.putShort(Float16.fromFloat(uniform(random)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    buf.putShort(BFloat16.fromFloat(uniform(random)));
                }
            }
            case Q8_0 -> blocks(buf, cols / 32, 32, new float[] {0.05f / 127}, 0, random);
            case Q4_0 -> blocks(buf, cols / 32, 16, new float[] {0.05f / 8}, 0, random);
            case Q4_K -> blocks(buf, cols / 256, 12 + 128, new float[] {2e-4f, 2e-4f}, 0, random);
            case Q5_K -> blocks(buf, cols / 256, 12 + 32 + 128, new float[] {1e-4f, 1e-4f}, 0, random);
            case Q6_K -> blocks(buf, cols / 256, 208, new float[] {1e-5f}, 208, random);
            default -> throw new IllegalArgumentException("random weights of type " + t + " are not supported");
        }
    }

    /**
     * {@code count} blocks of {@code randomBytes} random bytes and fp16 scale fields with the given values, the
     * scales first ({@code scalesAt} 0) or after the random bytes (Q6_K).
     */
    private static void blocks(ByteBuffer buf, int count, int randomBytes, float[] scales, int scalesAt,
            SplittableRandom random) {
        for (int b = 0; b < count; b++) {
            if (scalesAt == 0) {
                for (float s : scales) {
                    buf.putShort(Float16.fromFloat(s));
                }
            }
            int i = 0;
            for (; i + 8 <= randomBytes; i += 8) {
                buf.putLong(random.nextLong());
            }
            for (; i < randomBytes; i++) {
                buf.put((byte) random.nextInt());
            }
            if (scalesAt != 0) {
                for (float s : scales) {
                    buf.putShort(Float16.fromFloat(s));
                }
            }
        }
    }
}
