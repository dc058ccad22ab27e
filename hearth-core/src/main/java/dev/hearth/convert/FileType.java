package dev.hearth.convert;

import dev.hearth.gguf.GgmlType;
import java.util.Locale;

/**
 * The whole-file weight types {@code hearth quantize} writes, with llama.cpp's {@code llama_ftype} id (stored as
 * {@code general.file_type}) and its choice of tensor type per weight ({@code llama_tensor_get_type} in
 * llama.cpp's {@code src/llama-quant.cpp}):
 * <ul>
 *   <li>1-D tensors (norms, biases, rope factors) stay F32.</li>
 *   <li>F32, F16, BF16: every 2-D weight in that type, nothing mixed (llama.cpp only mixes quantized types).</li>
 *   <li>Q8_0: every 2-D weight Q8_0.</li>
 *   <li>Q4_0: Q4_0, except the output projection (or the token embedding when it doubles as the output):
 *       Q6_K.</li>
 *   <li>Q4_K_M: Q4_K, except the output projection (or tied embedding): Q6_K; {@code attn_v} (or a fused
 *       {@code attn_qkv}, which llama.cpp counts as one) and {@code ffn_down} of the layers where
 *       {@link #useMoreBits} holds: Q6_K. (Checked against llama-quantize's output for every test model,
 *       Phi-3's fused tensors included.)</li>
 *   <li>Q5_K_M: as Q4_K_M with Q5_K.</li>
 * </ul>
 * A tensor whose rows are not a whole number of the chosen type's blocks falls back as llama.cpp does for
 * K-quants (to a 32-element type) — here Q8_0 — and to F16 when not even that fits.
 */
public enum FileType {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    Q4_0(2, GgmlType.Q4_0),
    Q8_0(7, GgmlType.Q8_0),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_M(17, GgmlType.Q5_K),
    BF16(32, GgmlType.BF16);

    private final int llamaFileType;
    private final GgmlType baseType;

    FileType(int llamaFileType, GgmlType baseType) {
        this.llamaFileType = llamaFileType;
        this.baseType = baseType;
    }

    /** The value of {@code general.file_type}. */
    public int llamaFileType() {
        return llamaFileType;
    }

    /** The type of most weights. */
    public GgmlType baseType() {
        return baseType;
    }

    /** Parses a name as the command line gives it ({@code q4_k_m}, {@code Q8_0}, {@code f16}...). */
    public static FileType parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        for (FileType t : values()) {
            if (t.name().equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown weight type '" + name + "' (supported: f32, f16, bf16, q8_0, q4_0, q4_k_m, q5_k_m)");
    }

    /**
     * llama.cpp's {@code use_more_bits}: the first and last eighth of the layers, and every third layer in
     * between, get more bits for {@code attn_v} and {@code ffn_down} in the _M mixes.
     */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * The type of one tensor.
     *
     * @param name tensor name ({@code blk.3.attn_v.weight}, {@code output.weight}...)
     * @param dimensions its number of dimensions
     * @param rowLength elements per row ({@code shape[0]})
     * @param layers the model's block count
     * @param isOutput whether it is the output projection: {@code output.weight}, or {@code token_embd.weight}
     *     in a model without one (tied embeddings)
     */
    public GgmlType tensorType(String name, int dimensions, long rowLength, int layers, boolean isOutput) {
        if (dimensions < 2) {
            return GgmlType.F32;
        }
        GgmlType t = baseType;
        if (baseType.isQuantized()) {
            if (isOutput) {
                t = baseType == GgmlType.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
            } else if (this == Q4_K_M || this == Q5_K_M) {
                int layer = layerIndex(name);
                if ((name.contains("attn_v.weight") || name.contains("attn_qkv.weight") || name.contains("ffn_down"))
                        && layer >= 0 && useMoreBits(layer, layers)) {
                    t = GgmlType.Q6_K;
                }
            }
        }
        if (rowLength % t.blockSize() != 0) {
            t = rowLength % GgmlType.Q8_0.blockSize() == 0 && baseType.isQuantized() ? GgmlType.Q8_0 : GgmlType.F16;
        }
        return t;
    }

    /** N of a {@code blk.N.} tensor name, or -1. */
    static int layerIndex(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int dot = name.indexOf('.', 4);
        if (dot < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(name.substring(4, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
