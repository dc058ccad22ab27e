package dev.hearth.server.prompt;

import java.util.ArrayList;
import java.util.Deque;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Ollama's chat templates (Go {@code text/template} syntax, as in Modelfile {@code TEMPLATE} and the
 * {@code template} request field) translated into an equivalent Jinja template, so one engine (with its
 * limits and the {@link ControlTokenGuard}) renders both.
 *
 * <p>Covered: text with {@code {{-}} / {@code -}}} trimming, comments, {@code if / else if / else},
 * {@code range} (over lists and maps, with {@code $i, $v :=}, {@code else}, {@code break}, {@code continue}),
 * {@code with}, variables ({@code $x :=}, {@code $x =}, {@code $}), field chains, pipelines ({@code |}),
 * parenthesised pipelines, and the functions Ollama's templates use: {@code and or not eq ne lt le gt ge len
 * index slice print printf json currentDate}. Anything else ({@code define}, {@code template}, {@code block},
 * other functions) is a {@link GoTemplateException}, so the caller can fall back or answer 400.
 *
 * <p>How values print follows Go: {@code true}/{@code false}, nothing for nil, maps and Ollama's tool
 * structs as JSON (their {@code String()} methods), slices as {@code [a b]}. The generated Jinja contains no
 * raw text (every literal is a string expression), so Jinja's trim_blocks/lstrip_blocks cannot change it.
 * Variables live in a Jinja {@code namespace}, because Go's {@code $x = v} inside a {@code range} changes the
 * outer variable (Qwen 3's template finds the last user message that way).
 */
public final class GoTemplate {
    /** Key of the precomputed JSON text of Ollama's tool structs (see {@link GoTemplateValues}). */
    static final String JSON_KEY = "__json";

    private static final String PRELUDE = "{%- set ns = namespace() -%}"
            + "{%- macro gojson(v) -%}"
            + "{%- if v is mapping and '" + JSON_KEY + "' in v -%}{{ v['" + JSON_KEY + "'] }}"
            + "{%- elif v is mapping -%}{{ v|tojson(separators=[',', ':'], sort_keys=true) }}"
            + "{%- elif v is string or v is number or v is boolean or v is none or v is not defined -%}"
            + "{{ v|tojson(separators=[',', ':']) }}"
            + "{%- else -%}[{%- for x in v -%}{{ ',' if not loop.first }}{{ gojson(x) }}{%- endfor -%}]"
            + "{%- endif -%}{%- endmacro -%}"
            + "{%- macro gofmt(v) -%}"
            + "{%- if v is not defined or v is none -%}"
            + "{%- elif v is sameas true -%}true{%- elif v is sameas false -%}false"
            + "{%- elif v is string or v is number -%}{{ v }}"
            + "{%- elif v is mapping -%}{{ gojson(v) }}"
            + "{%- else -%}[{%- for x in v -%}{{ ' ' if not loop.first }}{{ gofmt(x) }}{%- endfor -%}]"
            + "{%- endif -%}{%- endmacro -%}";

    /** The Jinja source and whether the template reads {@code .Messages} (else Ollama's legacy mode). */
    public record Translation(String jinja, boolean usesMessages) {}

    /** Thrown for syntax this translator does not understand. */
    public static final class GoTemplateException extends RuntimeException {
        GoTemplateException(String message) {
            super(message);
        }
    }

    private static final int MAX_DEPTH = 64;

    /**
     * Translates a Go template.
     *
     * @param cutMarker if not null, printed right after the first value that reads {@code .Response}: Ollama's
     *     legacy mode renders the last turn only up to {@code .Response}, and the caller cuts the output there
     */
    public static Translation translate(String source, String cutMarker) {
        GoTemplate t = new GoTemplate(source, cutMarker);
        StringBuilder out = new StringBuilder(PRELUDE);
        String end = t.block(out, 0);
        if (end != null) {
            throw new GoTemplateException("unexpected {{ " + end + " }}");
        }
        return new Translation(out.toString(), t.usesMessages);
    }

    // ---- lexing the template into text and actions -------------------------------------------------------

    private final List<Object> items = new ArrayList<>(); // String text, or Action
    private int pos;
    private final String cutMarker;
    private boolean usesMessages;
    private int counter;
    /** Jinja expression for Go's dot; "" means the top-level data (fields are plain Jinja variables). */
    private final Deque<String> dots = new ArrayDeque<>();

    private record Action(String body) {}

    private GoTemplate(String source, String cutMarker) {
        this.cutMarker = cutMarker;
        dots.push("");
        int i = 0;
        StringBuilder text = new StringBuilder();
        while (i < source.length()) {
            int open = source.indexOf("{{", i);
            if (open < 0) {
                text.append(source, i, source.length());
                break;
            }
            text.append(source, i, open);
            int j = open + 2;
            boolean trimLeft = j + 1 < source.length() && source.charAt(j) == '-' && isSpace(source.charAt(j + 1));
            if (trimLeft) {
                j += 2;
                int k = text.length();
                while (k > 0 && isSpace(text.charAt(k - 1))) {
                    k--;
                }
                text.setLength(k);
            }
            int close = findClose(source, j);
            boolean trimRight = close - 1 > j && source.charAt(close - 1) == '-' && isSpace(source.charAt(close - 2));
            String body = source.substring(j, trimRight ? close - 2 : close).strip();
            if (!text.isEmpty()) {
                items.add(text.toString());
                text.setLength(0);
            }
            if (!(body.startsWith("/*") && body.endsWith("*/"))) {
                items.add(new Action(body));
            }
            i = close + 2;
            if (trimRight) {
                while (i < source.length() && isSpace(source.charAt(i))) {
                    i++;
                }
            }
        }
        if (!text.isEmpty()) {
            items.add(text.toString());
        }
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /** The index of the {@code }}} closing the action that starts at {@code from}, skipping quoted strings. */
    private static int findClose(String s, int from) {
        int i = from;
        if (s.startsWith("/*", i) || s.startsWith(" /*", i)) {
            int end = s.indexOf("*/", i);
            if (end < 0) {
                throw new GoTemplateException("unclosed comment");
            }
            i = end + 2;
        }
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '`' || c == '\'') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    j += (c != '`' && s.charAt(j) == '\\') ? 2 : 1;
                }
                i = j + 1;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                return i;
            } else {
                i++;
            }
        }
        throw new GoTemplateException("unclosed action {{");
    }

    // ---- structure: blocks of text and actions -----------------------------------------------------------

    /**
     * Emits items until an {@code end}, {@code else...} or the end of input; returns that terminating action's
     * body (null at the end of input).
     */
    private String block(StringBuilder out, int depth) {
        if (depth > MAX_DEPTH) {
            throw new GoTemplateException("blocks nested more than " + MAX_DEPTH + " deep");
        }
        while (pos < items.size()) {
            Object item = items.get(pos++);
            if (item instanceof String text) {
                if (!text.isEmpty()) {
                    out.append("{{ ").append(literal(text)).append(" }}");
                }
                continue;
            }
            String body = ((Action) item).body();
            List<Token> toks = lex(body);
            if (toks.isEmpty()) {
                throw new GoTemplateException("empty action {{}}");
            }
            Token first = toks.getFirst();
            String kw = first.kind == Kind.IDENT ? first.text : "";
            switch (kw) {
                case "end", "else" -> {
                    return body;
                }
                case "if" -> emitIf(out, toks.subList(1, toks.size()), depth);
                case "range" -> emitRange(out, toks.subList(1, toks.size()), depth);
                case "with" -> emitWith(out, toks.subList(1, toks.size()), depth);
                case "break", "continue" -> out.append("{% ").append(kw).append(" %}");
                case "define", "template", "block" ->
                        throw new GoTemplateException("{{ " + kw + " }} is not supported");
                default -> emitAction(out, toks);
            }
        }
        return null;
    }

    private void emitIf(StringBuilder out, List<Token> cond, int depth) {
        out.append("{% if ").append(pipeline(new Cursor(cond))).append(" %}");
        while (true) {
            String end = block(out, depth + 1);
            if (end == null) {
                throw new GoTemplateException("{{ if }} without {{ end }}");
            }
            if (end.equals("end")) {
                out.append("{% endif %}");
                return;
            }
            List<Token> t = lex(end);
            if (t.size() >= 2 && t.get(1).kind == Kind.IDENT && t.get(1).text.equals("if")) {
                out.append("{% elif ").append(pipeline(new Cursor(t.subList(2, t.size())))).append(" %}");
            } else if (t.size() == 1) {
                out.append("{% else %}");
            } else {
                throw new GoTemplateException("unsupported {{ " + end + " }} in {{ if }}");
            }
        }
    }

    private void emitWith(StringBuilder out, List<Token> cond, int depth) {
        String var = "ns.w" + (++counter);
        out.append("{% set ").append(var).append(" = ").append(pipeline(new Cursor(cond))).append(" %}");
        out.append("{% if ").append(var).append(" %}");
        dots.push(var);
        String end;
        try {
            end = block(out, depth + 1);
        } finally {
            dots.pop();
        }
        if ("else".equals(end)) {
            out.append("{% else %}");
            end = block(out, depth + 1);
        }
        if (!"end".equals(end)) {
            throw new GoTemplateException("{{ with }} without {{ end }}");
        }
        out.append("{% endif %}");
    }

    private void emitRange(StringBuilder out, List<Token> spec, int depth) {
        // range [$k, $v :=|$v :=] pipeline
        String keyVar = null;
        String valueVar = null;
        Cursor c = new Cursor(spec);
        int decl = indexOf(spec, ":=");
        if (decl >= 0) {
            List<Token> vars = spec.subList(0, decl);
            if (vars.size() == 1 && vars.get(0).kind == Kind.VAR) {
                valueVar = varName(vars.get(0).text);
            } else if (vars.size() == 3 && vars.get(0).kind == Kind.VAR && vars.get(1).text.equals(",")
                    && vars.get(2).kind == Kind.VAR) {
                keyVar = varName(vars.get(0).text);
                valueVar = varName(vars.get(2).text);
            } else {
                throw new GoTemplateException("unsupported {{ range }} variables");
            }
            c = new Cursor(spec.subList(decl + 1, spec.size()));
        }
        int n = ++counter;
        String seq = "ns.r" + n;
        String k = "k" + n;
        String v = "v" + n;
        out.append("{% set ").append(seq).append(" = ").append(pipeline(c)).append(" %}");
        StringBuilder head = new StringBuilder();
        if (keyVar != null) {
            head.append("{% set ").append(keyVar).append(" = ").append(k).append(" %}");
        }
        if (valueVar != null) {
            head.append("{% set ").append(valueVar).append(" = ").append(v).append(" %}");
        }
        StringBuilder body = new StringBuilder();
        dots.push(v);
        String end;
        try {
            end = block(body, depth + 1);
        } finally {
            dots.pop();
        }
        StringBuilder elseBody = new StringBuilder();
        if ("else".equals(end)) {
            end = block(elseBody, depth + 1);
        }
        if (!"end".equals(end)) {
            throw new GoTemplateException("{{ range }} without {{ end }}");
        }
        String elsePart = elseBody.isEmpty() ? "" : "{% else %}" + elseBody;
        // Go ranges over maps in key order, over slices by index; which one is only known when rendering.
        out.append("{% if ").append(seq).append(" is mapping %}{% for ").append(k).append(", ").append(v)
                .append(" in ").append(seq).append("|dictsort(true) %}").append(head).append(body).append(elsePart)
                .append("{% endfor %}{% else %}{% for ").append(v).append(" in (").append(seq)
                .append(" or []) %}{% set ").append(k).append(" = loop.index0 %}").append(head).append(body)
                .append(elsePart).append("{% endfor %}{% endif %}");
    }

    private void emitAction(StringBuilder out, List<Token> toks) {
        // $x := pipeline, $x = pipeline, or a pipeline to print
        if (toks.size() >= 2 && toks.get(0).kind == Kind.VAR && (toks.get(1).text.equals(":=")
                || toks.get(1).text.equals("="))) {
            out.append("{% set ").append(varName(toks.get(0).text)).append(" = ")
                    .append(pipeline(new Cursor(toks.subList(2, toks.size())))).append(" %}");
            return;
        }
        Cursor c = new Cursor(toks);
        boolean before = readsResponse;
        readsResponse = false;
        String expr = pipeline(c);
        out.append("{{ gofmt(").append(expr).append(") }}");
        if (cutMarker != null && readsResponse) {
            out.append("{{ ").append(literal(cutMarker)).append(" }}");
        }
        readsResponse = before || readsResponse;
    }

    private boolean readsResponse;

    private static int indexOf(List<Token> toks, String text) {
        for (int i = 0; i < toks.size(); i++) {
            if (toks.get(i).kind == Kind.PUNCT && toks.get(i).text.equals(text)) {
                return i;
            }
        }
        return -1;
    }

    private static String varName(String goVar) {
        if (goVar.equals("$")) {
            throw new GoTemplateException("cannot assign to $");
        }
        return "ns.v_" + goVar.substring(1);
    }

    // ---- expressions ------------------------------------------------------------------------------------

    private enum Kind { IDENT, FIELD, VAR, STRING, NUMBER, PUNCT }

    private record Token(Kind kind, String text) {}

    private final class Cursor {
        final List<Token> toks;
        int i;

        Cursor(List<Token> toks) {
            this.toks = toks;
        }

        boolean atEnd() {
            return i >= toks.size();
        }

        Token peek() {
            return atEnd() ? null : toks.get(i);
        }

        boolean peekPunct(String p) {
            Token t = peek();
            return t != null && t.kind == Kind.PUNCT && t.text.equals(p);
        }
    }

    /** pipeline := command ('|' command)*; the value of each command is the last argument of the next. */
    private String pipeline(Cursor c) {
        String value = command(c, null);
        while (c.peekPunct("|")) {
            c.i++;
            value = command(c, value);
        }
        if (!c.atEnd() && !c.peekPunct(")")) {
            throw new GoTemplateException("unexpected '" + c.peek().text + "'");
        }
        return value;
    }

    private String command(Cursor c, String piped) {
        Token t = c.peek();
        if (t == null) {
            throw new GoTemplateException("missing value");
        }
        if (t.kind == Kind.IDENT && !t.text.equals("true") && !t.text.equals("false") && !t.text.equals("nil")) {
            c.i++;
            List<String> args = new ArrayList<>();
            while (!c.atEnd() && !c.peekPunct("|") && !c.peekPunct(")")) {
                args.add(operand(c));
            }
            if (piped != null) {
                args.add(piped);
            }
            return call(t.text, args);
        }
        String v = operand(c);
        if (piped != null) {
            throw new GoTemplateException("cannot pipe into a value that is not a function");
        }
        if (!c.atEnd() && !c.peekPunct("|") && !c.peekPunct(")")) {
            throw new GoTemplateException("'" + c.peek().text + "' after a value: missing function name?");
        }
        return v;
    }

    private String operand(Cursor c) {
        Token t = c.toks.get(c.i++);
        String base;
        switch (t.kind) {
            case STRING, NUMBER -> base = t.text;
            case FIELD -> base = field(dots.peek(), t.text);
            case VAR -> {
                String[] parts = t.text.split("\\.", 2);
                base = parts[0].equals("$") ? "" : "ns.v_" + parts[0].substring(1);
                if (parts.length > 1) {
                    base = field(base, "." + parts[1]);
                } else if (base.isEmpty()) {
                    throw new GoTemplateException("$ on its own is not supported");
                }
            }
            case IDENT -> base = switch (t.text) {
                case "true" -> "true";
                case "false" -> "false";
                case "nil" -> "none";
                default -> call(t.text, List.of());
            };
            case PUNCT -> {
                if (!t.text.equals("(")) {
                    throw new GoTemplateException("unexpected '" + t.text + "'");
                }
                String inner = pipeline(c);
                if (!c.peekPunct(")")) {
                    throw new GoTemplateException("missing ')'");
                }
                c.i++;
                base = "(" + inner + ")";
                if (!c.atEnd() && c.peek().kind == Kind.FIELD && !c.peek().text.equals(".")) {
                    base = field(base, c.toks.get(c.i++).text);
                }
            }
            default -> throw new IllegalStateException();
        }
        return base;
    }

    /** {@code .A.B} read from {@code base} ("" is the top level). */
    private String field(String base, String chain) {
        if (chain.equals(".")) {
            if (base.isEmpty()) {
                throw new GoTemplateException("{{ . }} at the top level is not supported");
            }
            return base;
        }
        StringBuilder sb = new StringBuilder(base);
        String[] names = chain.substring(1).split("\\.");
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new GoTemplateException("invalid field name '" + name + "'");
            }
            if (name.equals("Messages")) {
                usesMessages = true;
            }
            if (name.equals("Response")) {
                readsResponse = true;
            }
            if (sb.isEmpty()) {
                sb.append(name);
            } else {
                sb.append("['").append(name).append("']");
            }
        }
        return sb.toString();
    }

    private static String call(String fn, List<String> a) {
        return switch (fn) {
            case "and", "or" -> {
                need(fn, a, 1, Integer.MAX_VALUE);
                yield "(" + String.join(" " + fn + " ", a) + ")";
            }
            case "not" -> "(not " + one(fn, a) + ")";
            case "eq" -> {
                need(fn, a, 2, Integer.MAX_VALUE);
                List<String> parts = new ArrayList<>();
                for (int i = 1; i < a.size(); i++) {
                    parts.add(a.get(0) + " == " + a.get(i));
                }
                yield "(" + String.join(" or ", parts) + ")";
            }
            case "ne", "lt", "le", "gt", "ge" -> {
                need(fn, a, 2, 2);
                String op = switch (fn) {
                    case "ne" -> "!=";
                    case "lt" -> "<";
                    case "le" -> "<=";
                    case "gt" -> ">";
                    default -> ">=";
                };
                yield "(" + a.get(0) + " " + op + " " + a.get(1) + ")";
            }
            case "len" -> "(" + one(fn, a) + "|length)";
            case "index" -> {
                need(fn, a, 1, Integer.MAX_VALUE);
                StringBuilder sb = new StringBuilder(a.get(0));
                for (int i = 1; i < a.size(); i++) {
                    sb.append('[').append(a.get(i)).append(']');
                }
                yield "(" + sb + ")";
            }
            case "slice" -> {
                need(fn, a, 1, 3);
                if (a.size() == 3) {
                    yield "(" + a.get(0) + ")[" + a.get(1) + ":" + a.get(2) + "]";
                }
                yield a.size() == 2 ? "(" + a.get(0) + ")[" + a.get(1) + ":]" : a.get(0);
            }
            case "json" -> "gojson(" + one(fn, a) + ")";
            case "print" -> {
                List<String> parts = new ArrayList<>();
                for (String x : a) {
                    parts.add("gofmt(" + x + ")");
                }
                yield parts.isEmpty() ? "''" : "(" + String.join(" ~ ", parts) + ")";
            }
            case "printf" -> {
                need(fn, a, 1, Integer.MAX_VALUE);
                // Go verbs %s %v %d %q map onto Python's %s %d %r closely enough for chat templates.
                String format = "(" + a.get(0) + ")|replace('%v', '%s')|replace('%q', '%r')";
                List<String> rest = new ArrayList<>();
                for (int i = 1; i < a.size(); i++) {
                    rest.add(a.get(i));
                }
                yield "((" + format + ") % (" + String.join(", ", rest) + (rest.size() == 1 ? "," : "") + "))";
            }
            case "currentDate" -> {
                need(fn, a, 0, 0);
                yield "strftime_now('%Y-%m-%d')";
            }
            default -> throw new GoTemplateException("function '" + fn + "' is not supported");
        };
    }

    private static String one(String fn, List<String> a) {
        need(fn, a, 1, 1);
        return a.get(0);
    }

    private static void need(String fn, List<String> a, int min, int max) {
        if (a.size() < min || a.size() > max) {
            throw new GoTemplateException("wrong number of arguments for " + fn + ": " + a.size());
        }
    }

    /** A Jinja string literal with the same characters. */
    static String literal(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(ch);
            }
        }
        return sb.append('"').toString();
    }

    private static List<Token> lex(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (isSpace(ch)) {
                i++;
            } else if (ch == '"') {
                StringBuilder v = new StringBuilder();
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != '"') {
                    char d = s.charAt(j);
                    if (d == '\\' && j + 1 < s.length()) {
                        char e = s.charAt(++j);
                        v.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    } else {
                        v.append(d);
                    }
                    j++;
                }
                if (j >= s.length()) {
                    throw new GoTemplateException("unterminated string");
                }
                out.add(new Token(Kind.STRING, literal(v.toString())));
                i = j + 1;
            } else if (ch == '`') {
                int j = s.indexOf('`', i + 1);
                if (j < 0) {
                    throw new GoTemplateException("unterminated raw string");
                }
                out.add(new Token(Kind.STRING, literal(s.substring(i + 1, j))));
                i = j + 1;
            } else if (ch == '.' || ch == '$') {
                int j = i + 1;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_'
                        || s.charAt(j) == '.')) {
                    j++;
                }
                out.add(new Token(ch == '.' ? Kind.FIELD : Kind.VAR, s.substring(i, j)));
                i = j;
            } else if (Character.isDigit(ch) || (ch == '-' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                int j = i + 1;
                while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
                String num = s.substring(i, j);
                if (!num.matches("-?\\d+(\\.\\d+)?")) {
                    throw new GoTemplateException("invalid number '" + num + "'");
                }
                out.add(new Token(Kind.NUMBER, num));
                i = j;
            } else if (Character.isLetter(ch) || ch == '_') {
                int j = i + 1;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(new Token(Kind.IDENT, s.substring(i, j)));
                i = j;
            } else if (s.startsWith(":=", i)) {
                out.add(new Token(Kind.PUNCT, ":="));
                i += 2;
            } else if ("()|,=".indexOf(ch) >= 0) {
                out.add(new Token(Kind.PUNCT, String.valueOf(ch)));
                i++;
            } else {
                throw new GoTemplateException("unexpected character '" + ch + "'");
            }
        }
        return out;
    }
}
