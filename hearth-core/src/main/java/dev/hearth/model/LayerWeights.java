package dev.hearth.model;

/**
 * Weights of one transformer block. Optional parts are null when an architecture does not have them.
 * Shapes use GGUF order [cols, rows]; dim = embedding length, q = heads * headDimK, kv = kvHeads * headDim.
 *
 * @param attnNorm [dim] RMSNorm before attention
 * @param wq [dim, q] query projection
 * @param wk [dim, kvK]
 * @param wv [dim, kvV]
 * @param bq [q] query bias (Qwen 2), or null
 * @param bk [kvK] or null
 * @param bv [kvV] or null
 * @param qNorm [headDimK] per-head RMSNorm of queries (Qwen 3, Gemma 3), or null
 * @param kNorm [headDimK] or null
 * @param wo [heads * headDimV, dim] attention output projection
 * @param postAttnNorm [dim] RMSNorm of the attention output before the residual add (Gemma 3), or null
 * @param ffnNorm [dim]
 * @param wGate [dim, ffn]
 * @param wUp [dim, ffn]
 * @param wDown [ffn, dim]
 * @param postFfnNorm [dim] (Gemma 3) or null
 */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix wq,
        WeightMatrix wk,
        WeightMatrix wv,
        float[] bq,
        float[] bk,
        float[] bv,
        float[] qNorm,
        float[] kNorm,
        WeightMatrix wo,
        float[] postAttnNorm,
        float[] ffnNorm,
        WeightMatrix wGate,
        WeightMatrix wUp,
        WeightMatrix wDown,
        float[] postFfnNorm) {}
