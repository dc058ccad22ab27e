package dev.hearth.model;

import static dev.hearth.gguf.GgufKeys.ATTN_POST_NORM;
import static dev.hearth.gguf.GgufKeys.arch;
import static dev.hearth.gguf.GgufKeys.layer;

import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufKeys;

/**
 * {@code gemma3}: embeddings scaled by sqrt(dim); q/k RMSNorm; RMSNorm after attention and after the FFN
 * as well as before; GeGLU (tanh GELU); NeoX rotary; sliding-window attention on all layers but every
 * {@code sliding_window_pattern}-th, with their own rotary base {@code rope.freq_base_swa}. GGUF norm
 * weights already include Gemma's "+1" (added by the converter).
 */
final class Gemma3Architecture implements Architecture {
    @Override
    public String name() {
        return "gemma3";
    }

    @Override
    public Model load(GgufFile file, RepackedMatrices repacked) {
        ModelConfig.Builder b = ModelConfig.builder(file, TensorLoader.vocabularyRows(file));
        b.ropeType = ModelConfig.RopeType.NEOX;
        b.activation = ModelConfig.Activation.GELU;
        b.rmsEps = file.getFloat(arch(GgufKeys.ATTENTION_LAYERNORM_RMS_EPS, name()), 1e-6f);
        b.embeddingScale = (float) Math.sqrt(b.embeddingLength);
        b.slidingWindow = file.getInt(arch(GgufKeys.ATTENTION_SLIDING_WINDOW, name()), 0);
        b.slidingWindowPattern = file.getInt(arch(GgufKeys.ATTENTION_SLIDING_WINDOW_PATTERN, name()), 6);
        b.ropeBaseSwa = file.getFloat(arch(GgufKeys.ROPE_FREQ_BASE_SWA, name()), 10000f);
        // llama.cpp: queries are scaled by 1/sqrt(head size), except the 27B model, which uses dim/heads.
        b.attentionScale = (float) (1.0 / Math.sqrt(b.headDimK));
        TensorLoader t = new TensorLoader(file, repacked, b.build());
        file.tensor(layer(ATTN_POST_NORM, 0));
        return t.model(t.standardLayers());
    }
}
