package dev.hearth.store.library;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufKeys;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.gguf.GgufValue;
import dev.hearth.gguf.GgufValueType;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code show} and the memory estimate need to know about a GGUF model, read from its header.
 *
 * @param architecture {@code general.architecture}
 * @param parameterCount total elements of all tensors
 * @param contextLength {@code <arch>.context_length} (0 if absent)
 * @param embeddingLength {@code <arch>.embedding_length} (0 if absent)
 * @param quantization the name of {@code general.file_type}, else the type holding most of the weights
 * @param blockCount layers ({@code <arch>.block_count})
 * @param kvHeads KV heads per layer (the largest, when it varies by layer)
 * @param keyLength, valueLength per-head K and V dimensions
 * @param vocabSize entries in {@code tokenizer.ggml.tokens}
 * @param weightBytes bytes of all tensor data
 * @param chatTemplate {@code tokenizer.chat_template}, or null
 * @param embeddingModel true for models that produce embeddings rather than text (BERT-like, pooling)
 */
public record ModelFacts(String architecture, long parameterCount, long contextLength, long embeddingLength,
        String quantization, long blockCount, long kvHeads, long keyLength, long valueLength, long vocabSize,
        long weightBytes, String chatTemplate, boolean embeddingModel) {

    /** Reads the facts of an open GGUF file; missing optional keys become 0 or null. */
    public static ModelFacts of(GgufFile f) {
        String arch = f.optString(GgufKeys.GENERAL_ARCHITECTURE).orElse("unknown");
        long params = 0;
        long bytes = 0;
        Map<GgmlType, Long> bytesByType = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : f.tensors()) {
            params = Math.addExact(params, t.elementCount());
            bytes = Math.addExact(bytes, t.byteSize());
            if (t.dimensions() > 1) {
                bytesByType.merge(t.type(), t.byteSize(), Long::sum);
            }
        }
        String quant = null;
        if (f.has(GgufKeys.GENERAL_FILE_TYPE)) {
            GgufValue v = f.metadata().get(GgufKeys.GENERAL_FILE_TYPE);
            if (v.type().isInteger()) {
                quant = FileTypes.name(v.asLong());
            }
        }
        if (quant == null) {
            quant = bytesByType.entrySet().stream().max(Map.Entry.comparingByValue())
                    .map(e -> e.getKey().name()).orElse("unknown");
        }
        long ctx = integer(f, GgufKeys.arch(GgufKeys.CONTEXT_LENGTH, arch));
        long embd = integer(f, GgufKeys.arch(GgufKeys.EMBEDDING_LENGTH, arch));
        long blocks = integer(f, GgufKeys.arch(GgufKeys.BLOCK_COUNT, arch));
        long heads = integer(f, GgufKeys.arch(GgufKeys.ATTENTION_HEAD_COUNT, arch));
        long kvHeads = integer(f, GgufKeys.arch(GgufKeys.ATTENTION_HEAD_COUNT_KV, arch));
        if (kvHeads == 0) {
            kvHeads = heads;
        }
        long headDim = heads > 0 ? embd / heads : 0;
        long keyLen = integer(f, GgufKeys.arch(GgufKeys.ATTENTION_KEY_LENGTH, arch));
        long valueLen = integer(f, GgufKeys.arch(GgufKeys.ATTENTION_VALUE_LENGTH, arch));
        long vocab = 0;
        if (f.has(GgufKeys.TOKENIZER_TOKENS) && f.metadata().get(GgufKeys.TOKENIZER_TOKENS).type() == GgufValueType.ARRAY) {
            vocab = f.getArray(GgufKeys.TOKENIZER_TOKENS).length();
        }
        String template = null;
        GgufValue t = f.metadata().get(GgufKeys.TOKENIZER_CHAT_TEMPLATE);
        if (t != null && t.type() == GgufValueType.STRING) {
            template = t.value().toString();
        }
        String a = arch.toLowerCase(Locale.ROOT);
        boolean embedding = a.contains("bert") || f.has(GgufKeys.arch("%s.pooling_type", arch));
        return new ModelFacts(arch, params, ctx, embd, quant, blocks, kvHeads,
                keyLen > 0 ? keyLen : headDim, valueLen > 0 ? valueLen : headDim, vocab, bytes, template, embedding);
    }

    /** An integer key, or the largest element of an integer array key (per-layer values), or 0. */
    private static long integer(GgufFile f, String key) {
        GgufValue v = f.metadata().get(key);
        if (v == null) {
            return 0;
        }
        if (v.type().isInteger()) {
            long x = v.asLong();
            return x < 0 ? 0 : x;
        }
        if (v.type() == GgufValueType.ARRAY && v.asArray().elementType().isInteger()) {
            long max = 0;
            for (int i = 0; i < v.asArray().length(); i++) {
                max = Math.max(max, v.asArray().longAt(i));
            }
            return max;
        }
        return 0;
    }

    /** Parameter count as Ollama shows it: "8.0B", "494.03M", "1.63M". */
    public String parameterSize() {
        return formatCount(parameterCount);
    }

    static String formatCount(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format(Locale.ROOT, "%.2fK", n / 1e3);
        }
        return Long.toString(n);
    }
}
