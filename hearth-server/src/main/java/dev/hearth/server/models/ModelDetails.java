package dev.hearth.server.models;

import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.gguf.GgufValue;
import dev.hearth.server.api.Json;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What {@code /api/tags} and {@code /api/show} say about a model: Ollama's {@code details} object, the GGUF
 * metadata as {@code model_info}, and the {@code capabilities} list. Read from the weights' header (memory
 * mapped: only the metadata pages are touched).
 *
 * @param family {@code general.architecture}
 * @param parameterCount total tensor elements
 * @param fileType the quantization name ({@code Q4_K_M}), from {@code general.file_type}
 * @param metadata every metadata key with its value converted to JSON (arrays kept only if small or verbose)
 * @param chatTemplate {@code tokenizer.chat_template}, if any
 * @param contextLength the model's trained context length ({@code <arch>.context_length}), 0 if absent
 * @param embeddingOnly whether the architecture only embeds (BERT-style encoders)
 */
public record ModelDetails(String family, long parameterCount, String fileType, ObjectNode metadata,
        String chatTemplate, long contextLength, boolean embeddingOnly) {

    /** Arrays longer than this are shown as null unless verbose, as Ollama does for the vocabulary. */
    private static final int MAX_INLINE_ARRAY = 32;

    public static ModelDetails read(Path gguf, boolean verbose) throws IOException {
        try (GgufFile file = GgufFile.open(gguf)) {
            String arch = file.optString("general.architecture").orElse("");
            long params = 0;
            for (GgufTensorInfo t : file.tensors()) {
                params = Math.addExact(params, t.elementCount());
            }
            String fileType = file.value("general.file_type")
                    .filter(v -> v.value() instanceof Long)
                    .map(v -> fileTypeName((Long) v.value()))
                    .orElse("unknown");
            ObjectNode info = Json.object();
            Map<String, GgufValue> sorted = new TreeMap<>(file.metadata());
            for (Map.Entry<String, GgufValue> e : sorted.entrySet()) {
                info.set(e.getKey(), toJson(e.getValue().value(), verbose));
            }
            info.put("general.parameter_count", params);
            long ctx = file.value(arch + ".context_length").filter(v -> v.value() instanceof Long)
                    .map(v -> (Long) v.value()).orElse(0L);
            String template = file.optString("tokenizer.chat_template").orElse(null);
            boolean embedding = arch.equals("bert") || arch.equals("nomic-bert") || arch.equals("jina-bert-v2");
            return new ModelDetails(arch, params, fileType, info, template, ctx, embedding);
        }
    }

    private static JsonNode toJson(Object v, boolean verbose) {
        if (v instanceof GgufValue.GgufArray a) {
            if (!verbose && a.length() > MAX_INLINE_ARRAY) {
                return Json.mapper().nullNode();
            }
            ArrayNode arr = Json.array();
            Object elements = a.elements();
            int n = Array.getLength(elements);
            for (int i = 0; i < n; i++) {
                Object item = Array.get(elements, i);
                if (a.elementType().isInteger()) {
                    arr.add(a.longAt(i));
                } else {
                    arr.add(toJson(item, verbose));
                }
            }
            return arr;
        }
        if (v instanceof Long l) {
            return Json.mapper().getNodeFactory().numberNode(l);
        }
        if (v instanceof Float f) {
            return Json.mapper().getNodeFactory().numberNode(f);
        }
        if (v instanceof Double d) {
            return Json.mapper().getNodeFactory().numberNode(d);
        }
        if (v instanceof Boolean b) {
            return Json.mapper().getNodeFactory().booleanNode(b);
        }
        if (v instanceof Byte b) {
            return Json.mapper().getNodeFactory().numberNode(b);
        }
        if (v instanceof Short s) {
            return Json.mapper().getNodeFactory().numberNode(s);
        }
        if (v instanceof Integer i) {
            return Json.mapper().getNodeFactory().numberNode(i);
        }
        return Json.mapper().getNodeFactory().stringNode(String.valueOf(v));
    }

    /** Ollama's {@code details} object, preferring what the manifest's config blob says. */
    public ObjectNode detailsJson(ObjectNode config) {
        ObjectNode d = Json.object();
        d.put("parent_model", "");
        d.put("format", text(config, "model_format", "gguf"));
        String fam = text(config, "model_family", family);
        d.put("family", fam);
        ArrayNode families = d.putArray("families");
        JsonNode cf = config.get("model_families");
        if (cf != null && cf.isArray() && !cf.isEmpty()) {
            for (JsonNode f : cf) {
                families.add(f.asString());
            }
        } else {
            families.add(fam);
        }
        d.put("parameter_size", text(config, "model_type", humanCount(parameterCount)));
        d.put("quantization_level", text(config, "file_type", fileType));
        return d;
    }

    /** Details from the config blob alone, for listings that should not open every model file. */
    public static ObjectNode detailsFromConfig(ObjectNode config) {
        ObjectNode d = Json.object();
        d.put("parent_model", "");
        d.put("format", text(config, "model_format", "gguf"));
        String fam = text(config, "model_family", "");
        d.put("family", fam);
        ArrayNode families = d.putArray("families");
        JsonNode cf = config.get("model_families");
        if (cf != null && cf.isArray()) {
            for (JsonNode f : cf) {
                families.add(f.asString());
            }
        } else if (!fam.isEmpty()) {
            families.add(fam);
        }
        d.put("parameter_size", text(config, "model_type", ""));
        d.put("quantization_level", text(config, "file_type", ""));
        return d;
    }

    /** What the model can do, as Ollama's {@code capabilities}. */
    public List<String> capabilities(String template, boolean projector) {
        List<String> caps = new ArrayList<>();
        if (embeddingOnly) {
            caps.add("embedding");
            return caps;
        }
        caps.add("completion");
        String t = template == null ? "" : template;
        if (t.contains("tools") || t.contains(".Tools")) {
            caps.add("tools");
        }
        if (t.contains(".Suffix") || t.contains("suffix")) {
            caps.add("insert");
        }
        if (t.contains("thinking") || t.contains(".Thinking") || t.contains("<think>")) {
            caps.add("thinking");
        }
        if (projector) {
            caps.add("vision");
        }
        return caps;
    }

    private static String text(ObjectNode config, String key, String fallback) {
        JsonNode n = config.get(key);
        return n != null && n.isString() && !n.stringValue().isEmpty() ? n.stringValue() : fallback;
    }

    /** Parameter counts the way Ollama prints them: {@code 8.0B}, {@code 494.03M}, {@code 137K}. */
    public static String humanCount(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.1fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return trimZeros(String.format(Locale.ROOT, "%.2f", n / 1e6)) + "M";
        }
        if (n >= 1_000L) {
            return trimZeros(String.format(Locale.ROOT, "%.2f", n / 1e3)) + "K";
        }
        return Long.toString(n);
    }

    private static String trimZeros(String s) {
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /** llama.cpp's {@code llama_ftype} values ({@code general.file_type}) by name. */
    public static String fileTypeName(long type) {
        return switch ((int) type) {
            case 0 -> "F32";
            case 1 -> "F16";
            case 2 -> "Q4_0";
            case 3 -> "Q4_1";
            case 7 -> "Q8_0";
            case 8 -> "Q5_0";
            case 9 -> "Q5_1";
            case 10 -> "Q2_K";
            case 11 -> "Q3_K_S";
            case 12 -> "Q3_K_M";
            case 13 -> "Q3_K_L";
            case 14 -> "Q4_K_S";
            case 15 -> "Q4_K_M";
            case 16 -> "Q5_K_S";
            case 17 -> "Q5_K_M";
            case 18 -> "Q6_K";
            case 19 -> "IQ2_XXS";
            case 20 -> "IQ2_XS";
            case 21 -> "Q2_K_S";
            case 22 -> "IQ3_XS";
            case 23 -> "IQ3_XXS";
            case 24 -> "IQ1_S";
            case 25 -> "IQ4_NL";
            case 26 -> "IQ3_S";
            case 27 -> "IQ3_M";
            case 28 -> "IQ2_S";
            case 29 -> "IQ2_M";
            case 30 -> "IQ4_XS";
            case 31 -> "IQ1_M";
            case 32 -> "BF16";
            case 36 -> "TQ1_0";
            case 37 -> "TQ2_0";
            default -> "unknown";
        };
    }
}
