package dev.hearth.store.modelfile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The runtime parameters a model can carry ({@code PARAMETER} lines; the params layer, a JSON object such as
 * {@code {"stop":["<|im_end|>"],"temperature":0.7,"num_ctx":4096}}), with the type of each, as Ollama
 * defines them. Values are kept as Integer, Double, Boolean or List&lt;String&gt; ({@code stop}).
 */
public final class ModelParameters {
    private ModelParameters() {}

    enum Kind { INT, FLOAT, BOOL, STRINGS }

    private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

    static {
        for (String n : List.of("num_ctx", "num_batch", "num_gpu", "main_gpu", "num_thread", "num_keep", "seed",
                "num_predict", "top_k", "repeat_last_n")) {
            KINDS.put(n, Kind.INT);
        }
        for (String n : List.of("temperature", "top_p", "min_p", "typical_p", "repeat_penalty", "presence_penalty",
                "frequency_penalty")) {
            KINDS.put(n, Kind.FLOAT);
        }
        KINDS.put("use_mmap", Kind.BOOL);
        KINDS.put("numa", Kind.BOOL);
        KINDS.put("stop", Kind.STRINGS);
    }

    /** Parameters Ollama once had and now ignores; accepted and dropped with a warning. */
    public static final List<String> DEPRECATED = List.of("penalize_newline", "low_vram", "f16_kv", "logits_all",
            "vocab_only", "use_mlock", "mirostat", "mirostat_tau", "mirostat_eta", "tfs_z");

    public static boolean isKnown(String name) {
        return KINDS.containsKey(name);
    }

    public static List<String> names() {
        return List.copyOf(KINDS.keySet());
    }

    /** Parses a {@code PARAMETER name value} into {@code into}; {@code stop} values accumulate. */
    public static void put(Map<String, Object> into, String name, String value) {
        Kind kind = KINDS.get(name);
        if (kind == null) {
            throw new ModelfileException("unknown parameter '" + name + "' (known: " + String.join(", ", KINDS.keySet()) + ")");
        }
        String v = value.strip();
        switch (kind) {
            case INT -> {
                try {
                    into.put(name, Integer.parseInt(v));
                } catch (NumberFormatException e) {
                    throw new ModelfileException("parameter " + name + " must be a whole number, not '" + v + "'");
                }
            }
            case FLOAT -> {
                try {
                    double d = Double.parseDouble(v);
                    if (!Double.isFinite(d)) {
                        throw new NumberFormatException();
                    }
                    into.put(name, d);
                } catch (NumberFormatException e) {
                    throw new ModelfileException("parameter " + name + " must be a number, not '" + v + "'");
                }
            }
            case BOOL -> {
                String b = v.toLowerCase(Locale.ROOT);
                if (!b.equals("true") && !b.equals("false")) {
                    throw new ModelfileException("parameter " + name + " must be true or false, not '" + v + "'");
                }
                into.put(name, Boolean.parseBoolean(b));
            }
            case STRINGS -> {
                @SuppressWarnings("unchecked")
                List<String> list = into.get(name) instanceof List<?> l ? new ArrayList<>((List<String>) l) : new ArrayList<>();
                list.add(value);
                into.put(name, List.copyOf(list));
            }
        }
    }

    /** The params layer JSON of a parameter map. */
    public static ObjectNode toJson(Map<String, Object> params) {
        ObjectNode o = dev.hearth.store.Json.object();
        for (Map.Entry<String, Object> e : params.entrySet()) {
            switch (e.getValue()) {
                case Integer i -> o.put(e.getKey(), i);
                case Long l -> o.put(e.getKey(), l);
                case Double d -> o.put(e.getKey(), d);
                case Boolean b -> o.put(e.getKey(), b);
                case String s -> o.put(e.getKey(), s);
                case List<?> list -> {
                    ArrayNode a = o.putArray(e.getKey());
                    list.forEach(x -> a.add(String.valueOf(x)));
                }
                default -> o.put(e.getKey(), String.valueOf(e.getValue()));
            }
        }
        return o;
    }

    /**
     * Reads a params layer. Unknown keys are kept (a newer Ollama may know them) with their JSON type; known
     * keys of the wrong type are an error.
     */
    public static Map<String, Object> fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new ModelfileException("the params layer is not a JSON object");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            String k = e.getKey();
            JsonNode v = e.getValue();
            Kind kind = KINDS.get(k);
            Object value;
            if (v.isArray()) {
                List<String> list = new ArrayList<>();
                for (JsonNode x : v.values()) {
                    list.add(x.isString() ? x.stringValue() : x.toString());
                }
                value = List.copyOf(list);
            } else if (v.isIntegralNumber() && v.canConvertToInt() && kind != Kind.FLOAT) {
                value = v.intValue();
            } else if (v.isNumber()) {
                value = v.doubleValue();
            } else if (v.isBoolean()) {
                value = v.booleanValue();
            } else if (v.isString()) {
                value = v.stringValue();
            } else {
                continue;
            }
            if (kind == Kind.STRINGS && !(value instanceof List)) {
                value = List.of(String.valueOf(value));
            }
            if ((kind == Kind.INT && !(value instanceof Integer)) || (kind == Kind.FLOAT && !(value instanceof Double))
                    || (kind == Kind.BOOL && !(value instanceof Boolean))) {
                throw new ModelfileException("parameter " + k + " in the params layer has the wrong type");
            }
            out.put(k, value);
        }
        return out;
    }
}
