package dev.hearth.server.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Typed, validated reads of a request object's fields. Every wrong type or out-of-range value is a 400 that
 * names the field by its full path ({@code options.temperature}). JSON {@code null} counts as absent, as it
 * does for Ollama's Go structs; unknown fields are ignored, as both APIs do.
 */
public final class Fields {
    private final ObjectNode node;
    private final String prefix;

    public Fields(ObjectNode node) {
        this(node, "");
    }

    public Fields(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    public static Fields parse(byte[] body) {
        return new Fields(Json.parseObject(body));
    }

    public ObjectNode node() {
        return node;
    }

    public String path(String name) {
        return prefix + name;
    }

    /** The field's node, or empty if missing or null. */
    public Optional<JsonNode> raw(String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    public boolean has(String name) {
        return raw(name).isPresent();
    }

    public Optional<String> string(String name) {
        return raw(name).map(v -> {
            if (!v.isString()) {
                throw wrongType(name, "a string");
            }
            return v.stringValue();
        });
    }

    public String requiredString(String name) {
        String s = string(name).orElseThrow(() -> ApiException.badRequest("'" + path(name) + "' is required"));
        if (s.isEmpty()) {
            throw ApiException.badRequest("'" + path(name) + "' must not be empty");
        }
        return s;
    }

    public Optional<Boolean> bool(String name) {
        return raw(name).map(v -> {
            if (!v.isBoolean()) {
                throw wrongType(name, "true or false");
            }
            return v.booleanValue();
        });
    }

    public boolean bool(String name, boolean defaultValue) {
        return bool(name).orElse(defaultValue);
    }

    /** A whole number in {@code [min, max]}; 3.0 counts as whole, 3.5 does not. */
    public OptionalLong integer(String name, long min, long max) {
        Optional<JsonNode> v = raw(name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        JsonNode n = v.get();
        if (!n.isNumber()) {
            throw wrongType(name, "a whole number");
        }
        long value;
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) {
                throw outOfRange(name, min, max);
            }
            value = n.longValue();
        } else {
            double d = n.doubleValue();
            if (!Double.isFinite(d) || d != Math.rint(d)) {
                throw wrongType(name, "a whole number");
            }
            if (d < -9.0e18 || d > 9.0e18) {
                throw outOfRange(name, min, max);
            }
            value = (long) d;
        }
        if (value < min || value > max) {
            throw outOfRange(name, min, max);
        }
        return OptionalLong.of(value);
    }

    /** A finite number in {@code [min, max]}. */
    public OptionalDouble number(String name, double min, double max) {
        Optional<JsonNode> v = raw(name);
        if (v.isEmpty()) {
            return OptionalDouble.empty();
        }
        JsonNode n = v.get();
        if (!n.isNumber()) {
            throw wrongType(name, "a number");
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d) || d < min || d > max) {
            throw ApiException.badRequest("'" + path(name) + "' must be between " + format(min) + " and " + format(max)
                    + ", got " + n);
        }
        return OptionalDouble.of(d);
    }

    public Optional<Fields> object(String name) {
        return raw(name).map(v -> {
            if (!v.isObject()) {
                throw wrongType(name, "an object");
            }
            return new Fields((ObjectNode) v, path(name) + ".");
        });
    }

    /** A field given either as one string or as an array of strings (OpenAI's {@code stop}, {@code input}). */
    public Optional<List<String>> stringOrStrings(String name, int maxItems) {
        return raw(name).map(v -> {
            if (v.isString()) {
                return List.of(v.stringValue());
            }
            if (!v.isArray()) {
                throw wrongType(name, "a string or an array of strings");
            }
            return strings(name, v, maxItems);
        });
    }

    public Optional<List<String>> strings(String name, int maxItems) {
        return raw(name).map(v -> {
            if (!v.isArray()) {
                throw wrongType(name, "an array of strings");
            }
            return strings(name, v, maxItems);
        });
    }

    private List<String> strings(String name, JsonNode array, int maxItems) {
        if (array.size() > maxItems) {
            throw ApiException.badRequest("'" + path(name) + "' has more than " + maxItems + " items");
        }
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode item = array.get(i);
            if (!item.isString()) {
                throw ApiException.badRequest("'" + path(name) + "[" + i + "]' must be a string");
            }
            out.add(item.stringValue());
        }
        return out;
    }

    /** The elements of an array of objects. */
    public Optional<List<Fields>> objects(String name, int maxItems) {
        return raw(name).map(v -> {
            if (!v.isArray()) {
                throw wrongType(name, "an array of objects");
            }
            if (v.size() > maxItems) {
                throw ApiException.badRequest("'" + path(name) + "' has more than " + maxItems + " items");
            }
            List<Fields> out = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                JsonNode item = v.get(i);
                if (!item.isObject()) {
                    throw ApiException.badRequest("'" + path(name) + "[" + i + "]' must be an object");
                }
                out.add(new Fields((ObjectNode) item, path(name) + "[" + i + "]."));
            }
            return out;
        });
    }

    public ApiException wrongType(String name, String expected) {
        return ApiException.badRequest("'" + path(name) + "' must be " + expected);
    }

    private ApiException outOfRange(String name, long min, long max) {
        return ApiException.badRequest("'" + path(name) + "' must be a whole number between " + min + " and " + max
                + ", got " + node.get(name));
    }

    private static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** A client's value as it may appear in an error message: at most 40 characters, no control characters. */
    public static String printable(String value) {
        String s = value.replaceAll("\\p{Cntrl}", "?");
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
