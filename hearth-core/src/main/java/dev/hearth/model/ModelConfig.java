package dev.hearth.model;

import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufKeys;
import java.util.function.Function;

/**
 * Hyper-parameters of a decoder-only transformer, read from GGUF metadata ({@code <arch>.*} keys).
 *
 * @param architecture {@code general.architecture}
 * @param embeddingLength model width ({@code <arch>.embedding_length}), "dim" below
 * @param blockCount number of layers
 * @param headCount query heads
 * @param headCountKv key/value heads (GQA: each serves {@code headCount / headCountKv} query heads)
 * @param headDimK key/query head size ({@code <arch>.attention.key_length}, default dim / heads)
 * @param headDimV value head size
 * @param feedForwardLength FFN hidden size
 * @param vocabSize rows of the token embedding
 * @param contextLength training context ({@code <arch>.context_length})
 * @param rmsEps RMSNorm epsilon
 * @param ropeType how rotary pairs are formed
 * @param ropeDim rotated dimensions per head (partial rotary when below headDimK)
 * @param ropeBase rotary base for full-attention layers
 * @param ropeBaseSwa rotary base for sliding-window layers (Gemma 3), else equal to ropeBase
 * @param slidingWindow window length for sliding-window layers, 0 for none
 * @param slidingWindowPattern every n-th layer (n-1, 2n-1, ...) is global; 0 when no layer slides
 * @param embeddingScale factor applied to token embeddings (Gemma: sqrt(dim)), 1 otherwise
 * @param attentionScale factor applied to q.k scores, usually 1/sqrt(headDimK)
 * @param activation FFN non-linearity
 * @param finalLogitSoftcap tanh soft-capping of logits (0 = off)
 */
public record ModelConfig(
        String architecture,
        int embeddingLength,
        int blockCount,
        int headCount,
        int headCountKv,
        int headDimK,
        int headDimV,
        int feedForwardLength,
        int vocabSize,
        int contextLength,
        float rmsEps,
        RopeType ropeType,
        int ropeDim,
        float ropeBase,
        float ropeBaseSwa,
        int slidingWindow,
        int slidingWindowPattern,
        float embeddingScale,
        float attentionScale,
        Activation activation,
        float finalLogitSoftcap) {

    /** Pairing of dimensions in rotary embeddings (ggml's rope modes). */
    public enum RopeType {
        /** Adjacent pairs (x[2i], x[2i+1]): Llama, Mistral. */
        NORMAL,
        /** Halves (x[i], x[i + d/2]): GPT-NeoX style, used by Qwen, Phi-3, Gemma. */
        NEOX
    }

    public enum Activation {
        /** SiLU-gated (SwiGLU). */
        SILU,
        /** GELU with the tanh approximation, gated (GeGLU). */
        GELU
    }

    public int qDim() {
        return headCount * headDimK;
    }

    public int kvDimK() {
        return headCountKv * headDimK;
    }

    public int kvDimV() {
        return headCountKv * headDimV;
    }

    /** Whether layer {@code layer} uses sliding-window attention (llama.cpp's swa pattern rule). */
    public boolean isSlidingWindowLayer(int layer) {
        return slidingWindow > 0 && slidingWindowPattern > 0
                && (layer % slidingWindowPattern) < slidingWindowPattern - 1;
    }

    /** Validates the numbers so that a hostile file cannot make the engine divide by zero or overflow. */
    public ModelConfig {
        require(embeddingLength > 0, "embedding_length must be positive");
        require(blockCount > 0 && blockCount <= 1024, "block_count must be 1..1024");
        require(headCount > 0 && headCountKv > 0, "head counts must be positive");
        require(headCount % headCountKv == 0, "head_count " + headCount + " is not a multiple of head_count_kv " + headCountKv);
        require(headDimK > 0 && headDimV > 0 && headDimK <= 4096 && headDimV <= 4096, "bad head size");
        require(ropeDim >= 0 && ropeDim <= headDimK && ropeDim % 2 == 0, "rope.dimension_count " + ropeDim + " is not even and at most the head size " + headDimK);
        require(feedForwardLength > 0, "feed_forward_length must be positive");
        require(vocabSize > 0, "vocabulary is empty");
        require(contextLength > 0, "context_length must be positive");
        require(Float.isFinite(rmsEps) && rmsEps >= 0, "bad rms epsilon");
        require(Float.isFinite(ropeBase) && ropeBase > 0, "rope.freq_base must be positive");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new GgufException("invalid model hyper-parameters: " + message);
        }
    }

    /**
     * Reads the hyper-parameters every architecture shares from {@code <arch>.*} keys, with llama.cpp's
     * defaults; architectures adjust the rest (rope type, activation, Gemma's extras) before {@link
     * Builder#build}.
     */
    public static Builder builder(GgufFile file, int vocabSize) {
        String arch = file.architecture();
        Function<String, String> k = pattern -> GgufKeys.arch(pattern, arch);
        Builder b = new Builder();
        b.architecture = arch;
        b.embeddingLength = file.getInt(k.apply(GgufKeys.EMBEDDING_LENGTH));
        b.blockCount = file.getInt(k.apply(GgufKeys.BLOCK_COUNT));
        b.headCount = file.getInt(k.apply(GgufKeys.ATTENTION_HEAD_COUNT));
        b.headCountKv = file.getInt(k.apply(GgufKeys.ATTENTION_HEAD_COUNT_KV), b.headCount);
        if (b.headCount <= 0 || b.embeddingLength % b.headCount != 0 && !file.has(k.apply(GgufKeys.ATTENTION_KEY_LENGTH))) {
            throw new GgufException("invalid model hyper-parameters: embedding_length "
                    + b.embeddingLength + " is not a multiple of head_count " + b.headCount);
        }
        int defaultHead = b.embeddingLength / b.headCount;
        b.headDimK = file.getInt(k.apply(GgufKeys.ATTENTION_KEY_LENGTH), defaultHead);
        b.headDimV = file.getInt(k.apply(GgufKeys.ATTENTION_VALUE_LENGTH), defaultHead);
        b.feedForwardLength = file.getInt(k.apply(GgufKeys.FEED_FORWARD_LENGTH));
        b.vocabSize = vocabSize;
        b.contextLength = file.getInt(k.apply(GgufKeys.CONTEXT_LENGTH), 2048);
        b.rmsEps = file.getFloat(k.apply(GgufKeys.ATTENTION_LAYERNORM_RMS_EPS), 1e-5f);
        b.ropeDim = file.getInt(k.apply(GgufKeys.ROPE_DIMENSION_COUNT), b.headDimK);
        b.ropeBase = file.getFloat(k.apply(GgufKeys.ROPE_FREQ_BASE), 10000f);
        b.ropeBaseSwa = b.ropeBase;
        b.attentionScale = (float) (1.0 / Math.sqrt(b.headDimK));
        b.finalLogitSoftcap = file.getFloat(k.apply(GgufKeys.FINAL_LOGIT_SOFTCAPPING), 0f);
        return b;
    }

    /** Mutable form used while loading; see {@link #builder}. */
    public static final class Builder {
        public String architecture;
        public int embeddingLength;
        public int blockCount;
        public int headCount;
        public int headCountKv;
        public int headDimK;
        public int headDimV;
        public int feedForwardLength;
        public int vocabSize;
        public int contextLength;
        public float rmsEps;
        public RopeType ropeType = RopeType.NORMAL;
        public int ropeDim;
        public float ropeBase;
        public float ropeBaseSwa;
        public int slidingWindow;
        public int slidingWindowPattern;
        public float embeddingScale = 1f;
        public float attentionScale;
        public Activation activation = Activation.SILU;
        public float finalLogitSoftcap;

        public ModelConfig build() {
            return new ModelConfig(architecture, embeddingLength, blockCount, headCount, headCountKv, headDimK,
                    headDimV, feedForwardLength, vocabSize, contextLength, rmsEps, ropeType, ropeDim, ropeBase,
                    ropeBaseSwa, slidingWindow, slidingWindowPattern, embeddingScale, attentionScale, activation,
                    finalLogitSoftcap);
        }
    }
}
