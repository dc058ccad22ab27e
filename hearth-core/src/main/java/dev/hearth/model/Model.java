package dev.hearth.model;

import dev.hearth.gguf.GgufFile;

/**
 * A loaded model: its hyper-parameters and its (memory-mapped) weights. Immutable and shareable between
 * sessions; the mutable state of a conversation lives in {@link InferenceState}.
 */
public record Model(ModelConfig config, ModelWeights weights, GgufFile file) {}
