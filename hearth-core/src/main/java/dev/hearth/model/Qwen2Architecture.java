package dev.hearth.model;

import static dev.hearth.gguf.GgufKeys.ATTENTION_LAYERNORM_RMS_EPS;
import static dev.hearth.gguf.GgufKeys.ATTN_Q_BIAS;
import static dev.hearth.gguf.GgufKeys.arch;
import static dev.hearth.gguf.GgufKeys.layer;

import dev.hearth.gguf.GgufFile;

/** {@code qwen2}: Llama layout with q/k/v biases and NeoX rotary embeddings. */
final class Qwen2Architecture implements Architecture {
    @Override
    public String name() {
        return "qwen2";
    }

    @Override
    public Model load(GgufFile file, RepackedMatrices repacked) {
        ModelConfig.Builder b = ModelConfig.builder(file, TensorLoader.vocabularyRows(file));
        b.ropeType = ModelConfig.RopeType.NEOX;
        b.rmsEps = file.getFloat(arch(ATTENTION_LAYERNORM_RMS_EPS, name()), 1e-6f);
        TensorLoader t = new TensorLoader(file, repacked, b.build());
        file.tensor(layer(ATTN_Q_BIAS, 0)); // biases are what make it Qwen 2: fail clearly when missing
        return t.model(t.standardLayers());
    }
}
