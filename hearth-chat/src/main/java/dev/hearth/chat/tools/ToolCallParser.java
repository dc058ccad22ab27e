package dev.hearth.chat.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds tool calls in a model's complete output. Output that does not hold well-formed calls is content:
 * a malformed call is never half-reported, and never an error (the client gets the text).
 */
public final class ToolCallParser {
    private ToolCallParser() {}

    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";
    static final String MISTRAL_MARK = "[TOOL_CALLS]";
    static final String MISTRAL_ARGS = "[ARGS]";
    static final String MISTRAL_CALL_ID = "[CALL_ID]";
    static final String PYTHON_TAG = "<|python_tag|>";

    /** Text for the user and the calls found in it. */
    public record Parsed(String content, List<ToolCall> calls) {
        public Parsed {
            calls = List.copyOf(calls);
        }

        public boolean hasCalls() {
            return !calls.isEmpty();
        }
    }

    public static Parsed parse(String text, ToolCallFormat format) {
        if (format.tagged() && text.contains(OPEN)) {
            Parsed p = tagged(text);
            if (p != null) {
                return p;
            }
        }
        if (format == ToolCallFormat.MISTRAL || format == ToolCallFormat.GENERIC) {
            int mark = text.indexOf(MISTRAL_MARK);
            if (mark >= 0) {
                List<ToolCall> calls = mistral(text.substring(mark + MISTRAL_MARK.length()));
                if (calls != null) {
                    return new Parsed(text.substring(0, mark).strip(), calls);
                }
            }
        }
        if (format == ToolCallFormat.MISTRAL && startsWithBareCall(text)) {
            List<ToolCall> calls = mistralBare(text.strip());
            if (calls != null) {
                return new Parsed("", calls);
            }
        }
        if (format.jsonAtStart()) {
            String t = text.strip();
            if (t.startsWith(PYTHON_TAG)) {
                t = t.substring(PYTHON_TAG.length()).strip();
            }
            if (t.startsWith("{") || t.startsWith("[")) {
                List<ToolCall> calls = jsonCalls(t);
                if (calls != null) {
                    return new Parsed("", calls);
                }
            }
        }
        return new Parsed(text, List.of());
    }

    /** {@code <tool_call>...</tool_call>} blocks; null if any block is not a well-formed call. */
    private static Parsed tagged(String text) {
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        int i = 0;
        while (true) {
            int open = text.indexOf(OPEN, i);
            if (open < 0) {
                content.append(text, i, text.length());
                break;
            }
            content.append(text, i, open);
            int start = open + OPEN.length();
            int close = text.indexOf(CLOSE, start);
            String body = close < 0 ? text.substring(start) : text.substring(start, close);
            ToolCall call = call(parseOrNull(body.strip()));
            if (call == null) {
                return null;
            }
            calls.add(call);
            if (close < 0) {
                break; // the model stopped (a stop string or the end token) before closing the block
            }
            i = close + CLOSE.length();
        }
        return new Parsed(content.toString().strip(), calls);
    }

    /** After {@code [TOOL_CALLS]}: a JSON array of calls, or {@code name[ARGS]{...}} repeated. */
    private static List<ToolCall> mistral(String rest) {
        String t = rest.strip();
        if (t.startsWith("[") || t.startsWith("{")) {
            return jsonCalls(t);
        }
        List<ToolCall> calls = new ArrayList<>();
        for (String part : t.split(java.util.regex.Pattern.quote(MISTRAL_MARK))) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int args = p.indexOf(MISTRAL_ARGS);
            if (args <= 0) {
                return null;
            }
            Object parsed = parseOrNull(p.substring(args + MISTRAL_ARGS.length()).strip());
            if (!(parsed instanceof Map<?, ?> m)) {
                return null;
            }
            String name = p.substring(0, args);
            int callId = name.indexOf(MISTRAL_CALL_ID);
            if (callId >= 0) {
                name = name.substring(0, callId); // name[CALL_ID]id[ARGS]{...}: the id is ours to assign
            }
            if (name.isBlank()) {
                return null;
            }
            calls.add(new ToolCall(name.strip(), stringKeys(m)));
        }
        return calls.isEmpty() ? null : calls;
    }

    /**
     * Whether the output opens with what {@link #mistralBare} reads: a function name directly followed by
     * <code>{</code>. Also true for a name alone so far, which streaming must hold until the next character.
     */
    static boolean startsWithBareCall(CharSequence text) {
        int i = JsonValue.skipSpace(text, 0);
        int start = i;
        while (i < text.length() && isNameChar(text.charAt(i), i == start)) {
            i++;
        }
        return i > start && (i == text.length() || text.charAt(i) == '{');
    }

    private static boolean isNameChar(char c, boolean first) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
    }

    /**
     * Mistral's {@code [TOOL_CALLS]name[ARGS]{...}} when both markers are control tokens, which do not reach
     * the text: {@code name{...}name{...}}, the whole output. Null if it is anything else.
     */
    private static List<ToolCall> mistralBare(String text) {
        List<ToolCall> calls = new ArrayList<>();
        int i = 0;
        try {
            while (i < text.length()) {
                int start = i;
                while (i < text.length() && isNameChar(text.charAt(i), i == start)) {
                    i++;
                }
                if (i == start || i >= text.length() || text.charAt(i) != '{') {
                    return null;
                }
                JsonValue.Prefix p = JsonValue.parsePrefix(text, i);
                if (!(p.value() instanceof Map<?, ?> m)) {
                    return null;
                }
                calls.add(new ToolCall(text.substring(start, i), stringKeys(m)));
                i = JsonValue.skipSpace(text, p.end());
            }
        } catch (JsonValue.JsonSyntaxException e) {
            return null;
        }
        return calls.isEmpty() ? null : calls;
    }

    /**
     * One or more JSON values making up the whole text: objects (separated by {@code ;}, commas or
     * whitespace) or arrays of objects, each a call. Null if anything else is there.
     */
    private static List<ToolCall> jsonCalls(String text) {
        List<ToolCall> calls = new ArrayList<>();
        int i = 0;
        try {
            while (true) {
                i = JsonValue.skipSpace(text, i);
                while (i < text.length() && (text.charAt(i) == ';' || text.charAt(i) == ',')) {
                    i = JsonValue.skipSpace(text, i + 1);
                }
                if (i >= text.length()) {
                    break;
                }
                JsonValue.Prefix p = JsonValue.parsePrefix(text, i);
                if (p.value() instanceof List<?> list) {
                    for (Object o : list) {
                        ToolCall c = call(o);
                        if (c == null) {
                            return null;
                        }
                        calls.add(c);
                    }
                } else {
                    ToolCall c = call(p.value());
                    if (c == null) {
                        return null;
                    }
                    calls.add(c);
                }
                i = p.end();
            }
        } catch (JsonValue.JsonSyntaxException e) {
            return null;
        }
        return calls.isEmpty() ? null : calls;
    }

    /**
     * A call object: {@code name} and {@code arguments} (or Llama's {@code parameters}), the arguments an
     * object or a string holding one (some models quote them). Null if it is not such an object.
     */
    static ToolCall call(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            return null;
        }
        Object fn = m.get("function");
        if (fn instanceof Map<?, ?> inner && !m.containsKey("name")) {
            m = inner; // {"function": {"name": ..., "arguments": ...}}
        }
        if (!(m.get("name") instanceof String name) || name.isBlank()) {
            return null;
        }
        Object args = m.containsKey("arguments") ? m.get("arguments") : m.get("parameters");
        if (args == null) {
            args = Map.of();
        }
        if (args instanceof String s) {
            args = parseOrNull(s.strip());
        }
        if (!(args instanceof Map<?, ?> a)) {
            return null;
        }
        return new ToolCall(name.strip(), stringKeys(a));
    }

    private static Map<String, Object> stringKeys(Map<?, ?> m) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private static Object parseOrNull(String s) {
        try {
            return JsonValue.parse(s);
        } catch (JsonValue.JsonSyntaxException e) {
            return null;
        }
    }
}
