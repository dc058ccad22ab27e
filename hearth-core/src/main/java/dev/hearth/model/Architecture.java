package dev.hearth.model;

import dev.hearth.gguf.GgufFile;

/**
 * One model family, registered by its {@code general.architecture} name in {@link Architectures}. An
 * architecture reads its hyper-parameters and maps its tensors onto the shared {@link Transformer}.
 */
public interface Architecture {
    /** The {@code general.architecture} value this handles, e.g. {@code "llama"}. */
    String name();

    /** Loads the model of {@code file}; the matrices this machine repacks come from {@code repacked}. */
    Model load(GgufFile file, RepackedMatrices repacked);
}
