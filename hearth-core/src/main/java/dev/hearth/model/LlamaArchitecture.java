package dev.hearth.model;

import dev.hearth.gguf.GgufFile;

/**
 * {@code llama}: Llama 2, Llama 3/3.1/3.2 (with {@code rope_freqs.weight} frequency factors), Mistral 7B,
 * TinyLlama, SmolLM. Adjacent-pair rotary embeddings, SwiGLU, RMSNorm, optional tied output.
 */
final class LlamaArchitecture implements Architecture {
    @Override
    public String name() {
        return "llama";
    }

    @Override
    public Model load(GgufFile file, RepackedMatrices repacked) {
        ModelConfig.Builder b = ModelConfig.builder(file, TensorLoader.vocabularyRows(file));
        b.ropeType = ModelConfig.RopeType.NORMAL;
        TensorLoader t = new TensorLoader(file, repacked, b.build());
        return t.model(t.standardLayers());
    }
}
