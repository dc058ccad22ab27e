package dev.hearth.model;

import static dev.hearth.gguf.GgufKeys.*;

import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.tensor.TensorKernels;

/**
 * Reads the tensors of the common decoder layout (llama.cpp's LLM_TENSOR_NAMES), checking every shape
 * against the hyper-parameters so that a mismatched file fails at load with the tensor's name.
 */
final class TensorLoader {
    private final GgufFile file;
    private final RepackedMatrices repacked;
    private final ModelConfig config;

    TensorLoader(GgufFile file, RepackedMatrices repacked, ModelConfig config) {
        this.file = file;
        this.repacked = repacked;
        this.config = config;
    }

    /** Rows of {@code token_embd.weight}: the vocabulary size the model computes logits for. */
    static int vocabularyRows(GgufFile file) {
        GgufTensorInfo info = file.tensor(TOKEN_EMBD);
        if (info.dimensions() != 2 || info.rows() > Integer.MAX_VALUE) {
            throw new GgufException("tensor '" + TOKEN_EMBD + "' must be 2-D [dim, vocab], found "
                    + java.util.Arrays.toString(info.shape()));
        }
        return (int) info.rows();
    }

    WeightMatrix matrix(String name, int cols, int rows) {
        return WeightMatrix.load(file, repacked, name, cols, rows);
    }

    /** A 1-D tensor of exactly {@code length} elements, dequantized. */
    float[] vector(String name, int length) {
        GgufTensorInfo info = file.tensor(name);
        if (info.elementCount() != length) {
            throw new GgufException("tensor '" + name + "' has " + info.elementCount() + " elements, expected " + length);
        }
        float[] out = new float[length];
        TensorKernels.scalar(info.type()).dequantize(file.tensorData(info), 0, out, 0, length);
        return out;
    }

    float[] optionalVector(String name, int length) {
        return file.findTensor(name).isPresent() ? vector(name, length) : null;
    }

    boolean has(String name) {
        return file.findTensor(name).isPresent();
    }

    /**
     * A Llama-layout block: separate q/k/v, gated FFN, and whichever optional parts the file has (q/k/v
     * biases, q/k norms, post-attention and post-FFN norms).
     */
    LayerWeights standardLayer(int i) {
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        return new LayerWeights(
                vector(layer(ATTN_NORM, i), dim),
                matrix(layer(ATTN_Q, i), dim, config.qDim()),
                matrix(layer(ATTN_K, i), dim, config.kvDimK()),
                matrix(layer(ATTN_V, i), dim, config.kvDimV()),
                optionalVector(layer(ATTN_Q_BIAS, i), config.qDim()),
                optionalVector(layer(ATTN_K_BIAS, i), config.kvDimK()),
                optionalVector(layer(ATTN_V_BIAS, i), config.kvDimV()),
                optionalVector(layer(ATTN_Q_NORM, i), config.headDimK()),
                optionalVector(layer(ATTN_K_NORM, i), config.headDimK()),
                matrix(layer(ATTN_OUTPUT, i), config.headCount() * config.headDimV(), dim),
                optionalVector(layer(ATTN_POST_NORM, i), dim),
                vector(layer(FFN_NORM, i), dim),
                matrix(layer(FFN_GATE, i), dim, ffn),
                matrix(layer(FFN_UP, i), dim, ffn),
                matrix(layer(FFN_DOWN, i), ffn, dim),
                optionalVector(layer(FFN_POST_NORM, i), dim));
    }

    LayerWeights[] standardLayers() {
        LayerWeights[] layers = new LayerWeights[config.blockCount()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = standardLayer(i);
        }
        return layers;
    }

    /** Token embedding, output norm, output (or the tied embedding) and optional rope factors. */
    ModelWeights weights(LayerWeights[] layers) {
        int dim = config.embeddingLength();
        WeightMatrix embedding = matrix(TOKEN_EMBD, dim, config.vocabSize());
        WeightMatrix output = has(OUTPUT) ? matrix(OUTPUT, dim, config.vocabSize()) : embedding;
        return new ModelWeights(embedding, layers, vector(OUTPUT_NORM, dim), output,
                optionalVector(ROPE_FREQS, config.ropeDim() / 2));
    }

    Model model(LayerWeights[] layers) {
        return new Model(config, weights(layers), file);
    }
}
