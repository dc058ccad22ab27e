package dev.hearth.store.modelfile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Modelfile: the recipe {@code hearth create} builds a model from, in Ollama's format.
 *
 * <pre>
 * # comment
 * FROM ./model.gguf            (or an installed model's name)
 * PARAMETER temperature 0.7
 * PARAMETER stop "&lt;|im_end|&gt;"
 * TEMPLATE """{{ .Prompt }}"""
 * SYSTEM You are a helpful assistant.
 * MESSAGE user Hello
 * LICENSE """..."""
 * </pre>
 *
 * Instructions are case-insensitive. A value runs to the end of the line, or is quoted: {@code "..."} (with
 * {@code \"} and {@code \\} escapes) or {@code """..."""} (verbatim); both may span lines.
 *
 * @param from the model path or name after FROM
 * @param template the last TEMPLATE, or null
 * @param system the last SYSTEM, or null
 * @param parameters typed PARAMETER values in order ({@link ModelParameters})
 * @param messages MESSAGE lines in order
 * @param licenses LICENSE values in order
 * @param warnings things worth telling the user that did not stop parsing (deprecated parameters)
 */
public record Modelfile(String from, String template, String system, Map<String, Object> parameters,
        List<ChatMessage> messages, List<String> licenses, List<String> warnings) {

    /** Modelfiles are small; one larger than this is not a Modelfile. */
    public static final int MAX_CHARS = 16 << 20;

    public Modelfile {
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        messages = List.copyOf(messages);
        licenses = List.copyOf(licenses);
        warnings = List.copyOf(warnings);
    }

    public static Modelfile parse(String text) {
        if (text.length() > MAX_CHARS) {
            throw new ModelfileException("the Modelfile is larger than " + MAX_CHARS + " characters");
        }
        return new Parser(text).parse();
    }

    /** The same recipe with another FROM. */
    public Modelfile withFrom(String newFrom) {
        return new Modelfile(newFrom, template, system, parameters, messages, licenses, warnings);
    }

    /** The Modelfile as text that {@link #parse} reads back to an equal recipe. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append("FROM ").append(quote(from)).append('\n');
        if (template != null) {
            b.append("TEMPLATE ").append(quote(template)).append('\n');
        }
        if (system != null) {
            b.append("SYSTEM ").append(quote(system)).append('\n');
        }
        for (Map.Entry<String, Object> e : parameters.entrySet()) {
            if (e.getValue() instanceof List<?> list) {
                for (Object v : list) {
                    b.append("PARAMETER ").append(e.getKey()).append(' ').append(quote(String.valueOf(v))).append('\n');
                }
            } else {
                b.append("PARAMETER ").append(e.getKey()).append(' ').append(quote(String.valueOf(e.getValue())))
                        .append('\n');
            }
        }
        for (String l : licenses) {
            b.append("LICENSE ").append(quote(l)).append('\n');
        }
        for (ChatMessage m : messages) {
            b.append("MESSAGE ").append(m.role()).append(' ').append(quote(m.content())).append('\n');
        }
        return b.toString();
    }

    /** Quotes a value only as much as needed for it to parse back unchanged. */
    static String quote(String v) {
        boolean plain = !v.isEmpty() && v.equals(v.strip()) && !v.startsWith("\"") && !v.startsWith("#")
                && v.chars().noneMatch(c -> c == '\n' || c == '\r');
        if (plain) {
            return v;
        }
        if (!v.contains("\"\"\"") && !v.endsWith("\"")) {
            return "\"\"\"" + v + "\"\"\"";
        }
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static final class Parser {
        private final String s;
        private int pos;
        private int line = 1;

        private String from;
        private String template;
        private String system;
        private final Map<String, Object> parameters = new LinkedHashMap<>();
        private final List<ChatMessage> messages = new ArrayList<>();
        private final List<String> licenses = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();

        Parser(String text) {
            // A byte-order mark is not part of the first instruction.
            this.s = text.startsWith("\uFEFF") ? text.substring(1) : text;
        }

        Modelfile parse() {
            while (true) {
                skipBlank();
                if (pos >= s.length()) {
                    break;
                }
                if (s.charAt(pos) == '#') {
                    while (pos < s.length() && s.charAt(pos) != '\n') {
                        pos++;
                    }
                    continue;
                }
                int startLine = line;
                String word = readWhile(Character::isLetter);
                if (word.isEmpty() || (pos < s.length() && !isInlineSpace(s.charAt(pos)) && !isLineEnd(s.charAt(pos)))) {
                    throw error(startLine, "expected an instruction (FROM, PARAMETER, TEMPLATE, SYSTEM, MESSAGE, LICENSE)");
                }
                instruction(word.toUpperCase(Locale.ROOT), startLine);
            }
            if (from == null) {
                throw new ModelfileException("the Modelfile has no FROM line");
            }
            return new Modelfile(from, template, system, parameters, messages, licenses, warnings);
        }

        private void instruction(String word, int startLine) {
            skipInlineSpace();
            switch (word) {
                case "FROM" -> {
                    String v = value(word, startLine);
                    if (from != null) {
                        throw error(startLine, "a second FROM; Hearth builds a model from one FROM");
                    }
                    from = v;
                }
                case "TEMPLATE" -> template = value(word, startLine);
                case "SYSTEM" -> system = value(word, startLine);
                case "LICENSE" -> licenses.add(value(word, startLine));
                case "PARAMETER" -> {
                    String name = readWhile(c -> Character.isLetterOrDigit(c) || c == '_').toLowerCase(Locale.ROOT);
                    if (name.isEmpty()) {
                        throw error(startLine, "PARAMETER needs a name and a value");
                    }
                    skipInlineSpace();
                    String v = value("PARAMETER " + name, startLine);
                    if (ModelParameters.DEPRECATED.contains(name)) {
                        warnings.add("parameter " + name + " is deprecated and ignored");
                        return;
                    }
                    try {
                        ModelParameters.put(parameters, name, v);
                    } catch (ModelfileException e) {
                        throw error(startLine, e.getMessage());
                    }
                }
                case "MESSAGE" -> {
                    String role = readWhile(Character::isLetter).toLowerCase(Locale.ROOT);
                    if (!ChatMessage.ROLES.contains(role)) {
                        throw error(startLine, "MESSAGE role must be system, user or assistant"
                                + (role.isEmpty() ? "" : ", not '" + role + "'"));
                    }
                    skipInlineSpace();
                    messages.add(new ChatMessage(role, value("MESSAGE " + role, startLine)));
                }
                case "ADAPTER" -> throw error(startLine, "ADAPTER (LoRA adapters) is not supported by Hearth yet");
                default -> throw error(startLine, "unknown instruction " + word
                        + " (expected FROM, PARAMETER, TEMPLATE, SYSTEM, MESSAGE or LICENSE)");
            }
        }

        /** The value after an instruction: quoted, triple-quoted or the rest of the line. */
        private String value(String what, int startLine) {
            String v;
            if (s.startsWith("\"\"\"", pos)) {
                int end = s.indexOf("\"\"\"", pos + 3);
                if (end < 0) {
                    throw error(startLine, what + ": the \"\"\" that starts here is never closed");
                }
                v = s.substring(pos + 3, end);
                countLines(pos, end + 3);
                pos = end + 3;
                expectLineEnd(what);
            } else if (pos < s.length() && s.charAt(pos) == '"') {
                StringBuilder b = new StringBuilder();
                int i = pos + 1;
                while (true) {
                    if (i >= s.length()) {
                        throw error(startLine, what + ": the quote that starts here is never closed");
                    }
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\')) {
                        b.append(s.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    if (c == '"') {
                        break;
                    }
                    b.append(c);
                    i++;
                }
                countLines(pos, i + 1);
                pos = i + 1;
                v = b.toString();
                expectLineEnd(what);
            } else {
                int start = pos;
                while (pos < s.length() && !isLineEnd(s.charAt(pos))) {
                    pos++;
                }
                v = s.substring(start, pos).strip();
                if (v.isEmpty()) {
                    throw error(startLine, what + " needs a value");
                }
            }
            return v;
        }

        private void expectLineEnd(String what) {
            skipInlineSpace();
            if (pos < s.length() && !isLineEnd(s.charAt(pos))) {
                throw error(line, what + ": unexpected text after the closing quote");
            }
        }

        private void countLines(int from, int to) {
            for (int i = from; i < to && i < s.length(); i++) {
                if (s.charAt(i) == '\n') {
                    line++;
                }
            }
        }

        private String readWhile(java.util.function.IntPredicate p) {
            int start = pos;
            while (pos < s.length() && p.test(s.charAt(pos))) {
                pos++;
            }
            return s.substring(start, pos);
        }

        private void skipBlank() {
            while (pos < s.length() && (Character.isWhitespace(s.charAt(pos)))) {
                if (s.charAt(pos) == '\n') {
                    line++;
                }
                pos++;
            }
        }

        private void skipInlineSpace() {
            while (pos < s.length() && isInlineSpace(s.charAt(pos))) {
                pos++;
            }
        }

        private static boolean isInlineSpace(char c) {
            return c == ' ' || c == '\t';
        }

        private static boolean isLineEnd(char c) {
            return c == '\n' || c == '\r';
        }

        private static ModelfileException error(int line, String message) {
            return new ModelfileException("Modelfile line " + line + ": " + message);
        }
    }
}
