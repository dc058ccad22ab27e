package dev.hearth.model;

import static dev.hearth.gguf.GgufKeys.ATTN_Q_NORM;
import static dev.hearth.gguf.GgufKeys.layer;

import dev.hearth.gguf.GgufFile;

/** {@code qwen3}: Llama layout with per-head RMSNorm of queries and keys (before RoPE), NeoX rotary. */
final class Qwen3Architecture implements Architecture {
    @Override
    public String name() {
        return "qwen3";
    }

    @Override
    public Model load(GgufFile file, RepackedMatrices repacked) {
        ModelConfig.Builder b = ModelConfig.builder(file, TensorLoader.vocabularyRows(file));
        b.ropeType = ModelConfig.RopeType.NEOX;
        TensorLoader t = new TensorLoader(file, repacked, b.build());
        file.tensor(layer(ATTN_Q_NORM, 0));
        return t.model(t.standardLayers());
    }
}
