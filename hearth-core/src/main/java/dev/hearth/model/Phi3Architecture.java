package dev.hearth.model;

import static dev.hearth.gguf.GgufKeys.*;

import dev.hearth.gguf.GgufFile;

/**
 * {@code phi3}: a fused {@code attn_qkv} [dim, q + 2 kv] and a fused {@code ffn_up} [dim, 2 ffn] whose first
 * half is the gate (SwiGLU), NeoX rotary. The fused tensors are split into row views, not copied.
 */
final class Phi3Architecture implements Architecture {
    @Override
    public String name() {
        return "phi3";
    }

    @Override
    public Model load(GgufFile file, RepackedMatrices repacked) {
        ModelConfig.Builder b = ModelConfig.builder(file, TensorLoader.vocabularyRows(file));
        b.ropeType = ModelConfig.RopeType.NEOX;
        ModelConfig c = b.build();
        TensorLoader t = new TensorLoader(file, repacked, c);
        int dim = c.embeddingLength();
        int ffn = c.feedForwardLength();
        LayerWeights[] layers = new LayerWeights[c.blockCount()];
        for (int i = 0; i < layers.length; i++) {
            WeightMatrix qkv = t.matrix(layer(ATTN_QKV, i), dim, c.qDim() + c.kvDimK() + c.kvDimV());
            WeightMatrix gateUp = t.matrix(layer(FFN_UP, i), dim, 2 * ffn);
            layers[i] = new LayerWeights(
                    t.vector(layer(ATTN_NORM, i), dim),
                    qkv.rowRange(layer(ATTN_Q, i), 0, c.qDim()),
                    qkv.rowRange(layer(ATTN_K, i), c.qDim(), c.kvDimK()),
                    qkv.rowRange(layer(ATTN_V, i), c.qDim() + c.kvDimK(), c.kvDimV()),
                    null, null, null, null, null,
                    t.matrix(layer(ATTN_OUTPUT, i), c.headCount() * c.headDimV(), dim),
                    null,
                    t.vector(layer(FFN_NORM, i), dim),
                    gateUp.rowRange(layer(FFN_GATE, i), 0, ffn),
                    gateUp.rowRange(layer(FFN_UP, i), ffn, ffn),
                    t.matrix(layer(FFN_DOWN, i), ffn, dim),
                    null);
        }
        return t.model(layers);
    }
}
