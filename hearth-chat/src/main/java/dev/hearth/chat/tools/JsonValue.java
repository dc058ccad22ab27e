package dev.hearth.chat.tools;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader and writer (RFC 8259) for tool calls, so that this module stays JDK-only.
 * Values are Java objects: {@link Map} (insertion order), {@link List}, {@link String}, {@link Long} or
 * {@link BigInteger} or {@link BigDecimal} or {@link Double}, {@link Boolean}, and null.
 *
 * <p>Model output is untrusted: nesting is limited, and a parse reports where it stopped, so a caller can
 * find a JSON value at the start of a longer text ({@link #parsePrefix}).
 */
public final class JsonValue {
    private JsonValue() {}

    static final int MAX_DEPTH = 64;

    /** Thrown for text that is not JSON. */
    public static final class JsonSyntaxException extends IllegalArgumentException {
        JsonSyntaxException(String message, int at) {
            super(message + " at offset " + at);
        }
    }

    /** A value parsed from the start of a text, and where it ended. */
    public record Prefix(Object value, int end) {}

    /** Parses a whole text as one JSON value (surrounding whitespace allowed). */
    public static Object parse(String text) {
        Prefix p = parsePrefix(text, 0);
        int end = skipSpace(text, p.end());
        if (end != text.length()) {
            throw new JsonSyntaxException("unexpected text after the JSON value", end);
        }
        return p.value();
    }

    /** Parses one JSON value starting at {@code from} (after optional whitespace). */
    public static Prefix parsePrefix(String text, int from) {
        Reader r = new Reader(text, skipSpace(text, from));
        Object v = r.value(0);
        return new Prefix(v, r.pos);
    }

    static int skipSpace(CharSequence s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) {
            i++;
        }
        return i;
    }

    private static final class Reader {
        final String s;
        int pos;

        Reader(String s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        JsonSyntaxException error(String m) {
            return new JsonSyntaxException(m, pos);
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("JSON nested deeper than " + MAX_DEPTH);
            }
            pos = skipSpace(s, pos);
            if (pos >= s.length()) {
                throw error("unexpected end of JSON");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("unexpected character '" + c + "'");
                }
            };
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) {
                throw error("invalid literal");
            }
            pos += word.length();
            return v;
        }

        Map<String, Object> object(int depth) {
            pos++;
            Map<String, Object> m = new LinkedHashMap<>();
            pos = skipSpace(s, pos);
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                pos = skipSpace(s, pos);
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a property name");
                }
                String key = string();
                pos = skipSpace(s, pos);
                if (pos >= s.length() || s.charAt(pos) != ':') {
                    throw error("expected ':'");
                }
                pos++;
                if (m.containsKey(key)) {
                    throw error("duplicate property '" + key + "'");
                }
                m.put(key, value(depth + 1));
                pos = skipSpace(s, pos);
                if (pos >= s.length()) {
                    throw error("unexpected end of JSON in an object");
                }
                char c = s.charAt(pos++);
                if (c == '}') {
                    return m;
                }
                if (c != ',') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        List<Object> array(int depth) {
            pos++;
            List<Object> l = new ArrayList<>();
            pos = skipSpace(s, pos);
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return l;
            }
            while (true) {
                l.add(value(depth + 1));
                pos = skipSpace(s, pos);
                if (pos >= s.length()) {
                    throw error("unexpected end of JSON in an array");
                }
                char c = s.charAt(pos++);
                if (c == ']') {
                    return l;
                }
                if (c != ',') {
                    throw error("expected ',' or ']'");
                }
            }
        }

        String string() {
            pos++;
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        int v = 0;
                        for (int i = 0; i < 4; i++) {
                            int d = Character.digit(s.charAt(pos++), 16);
                            if (d < 0) {
                                throw error("invalid \\u escape");
                            }
                            v = v * 16 + d;
                        }
                        b.append((char) v);
                    }
                    default -> throw error("invalid escape '\\" + e + "'");
                }
            }
        }

        Object number() {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            int intStart = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            if (pos == intStart || (s.charAt(intStart) == '0' && pos - intStart > 1)) {
                throw error("invalid number");
            }
            boolean integral = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integral = false;
                pos++;
                int f = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
                if (f == pos) {
                    throw error("invalid number");
                }
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integral = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                int e = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
                if (e == pos) {
                    throw error("invalid number");
                }
            }
            String text = s.substring(start, pos);
            if (text.length() > 100) {
                throw error("number too long");
            }
            if (integral) {
                BigInteger big = new BigInteger(text);
                return big.bitLength() < 64 ? (Object) big.longValue() : big;
            }
            double d = Double.parseDouble(text);
            return Double.isFinite(d) ? d : new BigDecimal(text);
        }
    }

    /** Compact JSON text of a value (as {@link #parse} returns them, plus other Numbers). */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, int depth) {
        if (depth > MAX_DEPTH * 4) {
            throw new IllegalArgumentException("value nested too deeply to write");
        }
        switch (v) {
            case null -> b.append("null");
            case String s -> string(b, s);
            case Boolean x -> b.append(x);
            case Double d -> b.append(Double.isFinite(d) ? (d == Math.rint(d) && Math.abs(d) < 1e15
                    ? Long.toString((long) (double) d) + ".0" : Double.toString(d)) : "null");
            case Float f -> write(b, (double) f, depth);
            case Number n -> b.append(n);
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    string(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue(), depth + 1);
                }
                b.append('}');
            }
            case List<?> l -> {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    write(b, l.get(i), depth + 1);
                }
                b.append(']');
            }
            default -> string(b, v.toString());
        }
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
