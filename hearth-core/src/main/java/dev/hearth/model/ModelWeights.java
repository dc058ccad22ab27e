package dev.hearth.model;

/**
 * All weights of a model. Matrices stay memory-mapped; the small vectors (norms, biases, rope factors) are
 * dequantized to float arrays at load.
 *
 * @param tokenEmbedding [dim, vocab]
 * @param layers one per block
 * @param outputNorm [dim]
 * @param output [dim, vocab]; the token embedding itself when the model ties them
 * @param ropeFreqFactors [ropeDim / 2] divisors of the rotary frequencies (Llama 3.1 scaling), or null
 */
public record ModelWeights(
        WeightMatrix tokenEmbedding,
        LayerWeights[] layers,
        float[] outputNorm,
        WeightMatrix output,
        float[] ropeFreqFactors) {}
