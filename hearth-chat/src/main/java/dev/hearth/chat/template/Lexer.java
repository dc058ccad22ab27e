package dev.hearth.chat.template;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits template source into tokens with Jinja2's lexing rules as configured by Hugging Face's
 * {@code apply_chat_template}: {@code trim_blocks} (drop the first newline after a block or comment
 * tag), {@code lstrip_blocks} (drop spaces and tabs before a block or comment tag that starts a line),
 * {@code -}/{@code +} whitespace control on tags, comments, raw blocks, newlines normalized to
 * {@code \n} and a single trailing newline removed ({@code keep_trailing_newline=False}).
 */
final class Lexer {
    private static final String[] OPERATORS = {
        "**", "//", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    };

    private final String src;
    private final int n;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    /** True when the previous match ended with a newline (Jinja's {@code line_starting}), for lstrip_blocks. */
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.src = normalize(source);
        this.n = src.length();
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.tokens;
    }

    /** All newline styles become "\n" and one trailing newline is dropped, as Jinja's tokeniter does. */
    private static String normalize(String source) {
        String s = source.indexOf('\r') < 0 ? source : source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private TemplateSyntaxException error(String message) {
        return new TemplateSyntaxException(message, line);
    }

    private void run() {
        while (pos < n) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                emitData(src.substring(pos));
                pos = n;
                break;
            }
            char kind = src.charAt(tag + 1);
            int afterDelim = tag + 2;
            char sign = afterDelim < n && (src.charAt(afterDelim) == '-' || src.charAt(afterDelim) == '+')
                    ? src.charAt(afterDelim) : 0;
            String text = src.substring(pos, tag);
            if (sign == '-') {
                text = PyStrings.rstrip(text);
            } else if (sign != '+' && kind != '{') {
                text = lstripBlock(text);
            }
            emitData(text);
            advanceTo(tag);
            int body = afterDelim + (sign != 0 ? 1 : 0);
            if (kind == '%' && tryRaw(body)) {
                continue;
            }
            if (kind == '#') {
                comment(body);
            } else if (kind == '%') {
                tokens.add(new Token(Token.Kind.BLOCK_BEGIN, "{%", null, line));
                advanceTo(body);
                inside(true);
            } else {
                tokens.add(new Token(Token.Kind.VARIABLE_BEGIN, "{{", null, line));
                advanceTo(body);
                inside(false);
            }
        }
        tokens.add(new Token(Token.Kind.EOF, "", null, line));
    }

    private int nextTagStart(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < n) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    /** lstrip_blocks: whitespace between the start of a line and a block or comment tag goes. */
    private String lstripBlock(String text) {
        int lPos = text.lastIndexOf('\n') + 1;
        if ((lPos > 0 || lineStarting) && lPos < text.length() && PyStrings.isAllSpace(text, lPos)) {
            return text.substring(0, lPos);
        }
        return text;
    }

    private void emitData(String text) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Token.Kind.DATA, text, null, line));
        }
    }

    private void advanceTo(int newPos) {
        for (int i = pos; i < newPos; i++) {
            if (src.charAt(i) == '\n') {
                line++;
            }
        }
        pos = newPos;
    }

    private int skipSpace(int p) {
        while (p < n && PyStrings.isSpace(src.charAt(p))) {
            p++;
        }
        return p;
    }

    /** {@code {% raw %}...{% endraw %}}: the body is data, untouched except for whitespace control. */
    private boolean tryRaw(int body) {
        int p = skipSpace(body);
        if (!src.startsWith("raw", p)) {
            return false;
        }
        p = skipSpace(p + 3);
        int contentStart;
        if (src.startsWith("-%}", p)) {
            contentStart = skipSpace(p + 3);
        } else if (src.startsWith("%}", p)) {
            contentStart = p + 2;
        } else {
            return false;
        }
        boolean startsLine = contentStart > 0 && src.charAt(contentStart - 1) == '\n';
        int search = contentStart;
        while (true) {
            int tag = src.indexOf("{%", search);
            if (tag < 0) {
                throw error("Missing end of raw directive");
            }
            int q = tag + 2;
            char sign = q < n && (src.charAt(q) == '-' || src.charAt(q) == '+') ? src.charAt(q) : 0;
            q = skipSpace(q + (sign != 0 ? 1 : 0));
            if (!src.startsWith("endraw", q)) {
                search = tag + 2;
                continue;
            }
            q = skipSpace(q + 6);
            int end;
            if (src.startsWith("+%}", q)) {
                end = q + 3;
            } else if (src.startsWith("-%}", q)) {
                end = skipSpace(q + 3);
            } else if (src.startsWith("%}", q)) {
                end = q + 2;
                if (end < n && src.charAt(end) == '\n') {
                    end++;
                }
            } else {
                search = tag + 2;
                continue;
            }
            String text = src.substring(contentStart, tag);
            if (sign == '-') {
                text = PyStrings.rstrip(text);
            } else if (sign != '+') {
                boolean saved = lineStarting;
                lineStarting = startsLine;
                text = lstripBlock(text);
                lineStarting = saved;
            }
            advanceTo(contentStart);
            emitData(text);
            advanceTo(end);
            lineStarting = src.charAt(end - 1) == '\n';
            return true;
        }
    }

    private void comment(int body) {
        int p = body;
        while (true) {
            int close = src.indexOf("#}", p);
            if (close < 0) {
                throw error("Missing end of comment tag");
            }
            int end;
            if (close > body && src.charAt(close - 1) == '-') {
                end = skipSpace(close + 2);
            } else if (close > body && src.charAt(close - 1) == '+') {
                end = close + 2;
            } else {
                end = close + 2;
                if (end < n && src.charAt(end) == '\n') {
                    end++;
                }
            }
            advanceTo(end);
            lineStarting = src.charAt(end - 1) == '\n';
            return;
        }
    }

    /** Tokens inside {@code {% %}} or {@code {{ }}} up to the matching end delimiter. */
    private void inside(boolean block) {
        ArrayDeque<Character> balancing = new ArrayDeque<>();
        while (true) {
            if (pos >= n) {
                throw error("unexpected end of template, expected '" + (block ? "%}" : "}}") + "'");
            }
            if (balancing.isEmpty() && endTag(block)) {
                return;
            }
            char c = src.charAt(pos);
            if (PyStrings.isSpace(c)) {
                advanceTo(skipSpace(pos));
                lineStarting = src.charAt(pos - 1) == '\n';
                continue;
            }
            lineStarting = false;
            int end;
            if (c >= '0' && c <= '9' && (end = floatEnd(pos)) > 0) {
                String text = src.substring(pos, end);
                tokens.add(new Token(Token.Kind.FLOAT, text, Double.parseDouble(text.replace("_", "")), line));
                pos = end;
            } else if (c >= '0' && c <= '9') {
                end = integerEnd(pos);
                String text = src.substring(pos, end);
                Object value;
                try {
                    value = parseInteger(text);
                } catch (TemplateLimitException e) {
                    throw error("integer literal too large");
                }
                tokens.add(new Token(Token.Kind.INTEGER, text, value, line));
                pos = end;
            } else if (Character.isLetter(c) || c == '_' || Character.isUnicodeIdentifierStart(c)) {
                end = pos + 1;
                while (end < n && (Character.isUnicodeIdentifierPart(src.charAt(end)) && !Character.isIdentifierIgnorable(src.charAt(end)))) {
                    end++;
                }
                // Interned: scopes compare variable names, and equal names are then usually the same object.
                tokens.add(new Token(Token.Kind.NAME, src.substring(pos, end).intern(), null, line));
                pos = end;
            } else if (c == '\'' || c == '"') {
                string(c);
            } else {
                String op = operatorAt(pos);
                if (op == null) {
                    throw error("unexpected char '" + c + "'");
                }
                char first = op.charAt(0);
                if (first == '(' || first == '[' || first == '{') {
                    balancing.push(first == '(' ? ')' : first == '[' ? ']' : '}');
                } else if (first == ')' || first == ']' || first == '}') {
                    if (balancing.isEmpty()) {
                        throw error("unexpected '" + op + "'");
                    }
                    char expected = balancing.pop();
                    if (expected != first) {
                        throw error("unexpected '" + op + "', expected '" + expected + "'");
                    }
                }
                tokens.add(new Token(Token.Kind.OPERATOR, op, null, line));
                pos += op.length();
            }
        }
    }

    // Jinja's number grammar (lexer.py float_re, integer_re), scanned by hand: regular expressions with
    // repeated groups recurse per repetition and overflow the stack on a long run of digits.

    /** End of digits with single underscores between them (Python's {@code (\d+_)*\d+}), or -1. */
    private int digitsEnd(int p) {
        if (p >= n || !isAsciiDigit(src.charAt(p))) {
            return -1;
        }
        int i = p + 1;
        while (i < n) {
            char c = src.charAt(i);
            if (isAsciiDigit(c)) {
                i++;
            } else if (c == '_' && i + 1 < n && isAsciiDigit(src.charAt(i + 1))) {
                i += 2;
            } else {
                break;
            }
        }
        return i;
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** {@code (?<!\.)D((\.D)?[eE][+-]?D|\.D)}: end of a float literal at p, or -1. */
    private int floatEnd(int p) {
        if (p > 0 && src.charAt(p - 1) == '.') {
            return -1;
        }
        int i = digitsEnd(p);
        int fraction = i < n && src.charAt(i) == '.' ? digitsEnd(i + 1) : -1;
        int afterFraction = fraction > 0 ? fraction : i;
        if (afterFraction < n && (src.charAt(afterFraction) == 'e' || src.charAt(afterFraction) == 'E')) {
            int e = afterFraction + 1;
            if (e < n && (src.charAt(e) == '+' || src.charAt(e) == '-')) {
                e++;
            }
            int exponent = digitsEnd(e);
            if (exponent > 0) {
                return exponent;
            }
        }
        return fraction;
    }

    /** {@code 0b(_?[01])+|0o(_?[0-7])+|0x(_?[0-9a-f])+|[1-9](_?\d)*|0(_?0)*}: end of an integer literal at p. */
    private int integerEnd(int p) {
        char c = src.charAt(p);
        if (c == '0' && p + 1 < n) {
            char prefix = Character.toLowerCase(src.charAt(p + 1));
            int radix = prefix == 'b' ? 2 : prefix == 'o' ? 8 : prefix == 'x' ? 16 : 0;
            if (radix > 0) {
                int end = radixDigitsEnd(p + 2, radix);
                if (end > 0) {
                    return end;
                }
            }
        }
        if (c == '0') {
            int i = p + 1;
            while (i < n && (src.charAt(i) == '0' || (src.charAt(i) == '_' && i + 1 < n && src.charAt(i + 1) == '0'))) {
                i += src.charAt(i) == '_' ? 2 : 1;
            }
            return i;
        }
        return digitsEnd(p);
    }

    /** {@code (_?[digit])+} in the radix: end, or -1 when there is not at least one digit. */
    private int radixDigitsEnd(int p, int radix) {
        int i = p;
        int end = -1;
        while (i < n) {
            int q = src.charAt(i) == '_' ? i + 1 : i;
            if (q < n && Character.digit(src.charAt(q), radix) >= 0 && src.charAt(q) < 128) {
                i = q + 1;
                end = i;
            } else {
                break;
            }
        }
        return end;
    }

    private boolean endTag(boolean block) {
        if (block) {
            if (src.startsWith("+%}", pos)) {
                tokens.add(new Token(Token.Kind.BLOCK_END, "%}", null, line));
                advanceTo(pos + 3);
                lineStarting = false;
                return true;
            }
            if (src.startsWith("-%}", pos)) {
                tokens.add(new Token(Token.Kind.BLOCK_END, "%}", null, line));
                advanceTo(skipSpace(pos + 3));
                lineStarting = src.charAt(pos - 1) == '\n';
                return true;
            }
            if (src.startsWith("%}", pos)) {
                tokens.add(new Token(Token.Kind.BLOCK_END, "%}", null, line));
                int end = pos + 2;
                if (end < n && src.charAt(end) == '\n') {
                    end++;
                }
                advanceTo(end);
                lineStarting = src.charAt(pos - 1) == '\n';
                return true;
            }
            return false;
        }
        if (src.startsWith("-}}", pos)) {
            tokens.add(new Token(Token.Kind.VARIABLE_END, "}}", null, line));
            advanceTo(skipSpace(pos + 3));
            lineStarting = src.charAt(pos - 1) == '\n';
            return true;
        }
        if (src.startsWith("}}", pos)) {
            tokens.add(new Token(Token.Kind.VARIABLE_END, "}}", null, line));
            advanceTo(pos + 2);
            lineStarting = false;
            return true;
        }
        return false;
    }

    private String operatorAt(int p) {
        for (String op : OPERATORS) {
            if (src.startsWith(op, p)) {
                return op;
            }
        }
        return null;
    }

    private Object parseInteger(String text) {
        // Far above PyNumbers.MAX_INT_BITS in any radix; checked before BigInteger's quadratic parse.
        if (text.length() > 10_000) {
            throw error("integer literal too large");
        }
        String digits = text.replace("_", "");
        int radix = 10;
        if (digits.length() > 1 && digits.charAt(0) == '0') {
            char p = Character.toLowerCase(digits.charAt(1));
            if (p == 'x' || p == 'o' || p == 'b') {
                radix = p == 'x' ? 16 : p == 'o' ? 8 : 2;
                digits = digits.substring(2);
            }
        }
        return PyNumbers.normalize(new BigInteger(digits, radix));
    }

    /** A quoted string literal, decoded the way Python's "unicode-escape" codec does. */
    private void string(char quote) {
        int start = pos;
        int p = pos + 1;
        while (p < n && src.charAt(p) != quote) {
            if (src.charAt(p) == '\\') {
                p++;
            }
            p++;
        }
        if (p >= n) {
            throw error("unexpected char '" + quote + "'");
        }
        String raw = src.substring(start + 1, p);
        String decoded = unescape(raw);
        tokens.add(new Token(Token.Kind.STRING, src.substring(start, p + 1), decoded, line));
        advanceTo(p + 1);
    }

    private String unescape(String raw) {
        if (raw.indexOf('\\') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        int len = raw.length();
        while (i < len) {
            char c = raw.charAt(i);
            if (c != '\\' || i + 1 >= len) {
                out.append(c);
                i++;
                continue;
            }
            char e = raw.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> { }
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > len) {
                        throw error("invalid string escape: truncated \\" + e + " escape");
                    }
                    int cp = 0;
                    for (int k = 0; k < digits; k++) {
                        int d = Character.digit(raw.charAt(i + k), 16);
                        if (d < 0) {
                            throw error("invalid string escape: truncated \\" + e + " escape");
                        }
                        cp = cp * 16 + d;
                    }
                    if (cp < 0 || cp > Character.MAX_CODE_POINT) {
                        throw error("invalid string escape: illegal Unicode character");
                    }
                    out.appendCodePoint(cp);
                    i += digits;
                }
                case 'N' -> {
                    int close = raw.indexOf('}', i);
                    if (i >= len || raw.charAt(i) != '{' || close < 0) {
                        throw error("invalid string escape: malformed \\N character escape");
                    }
                    String name = raw.substring(i + 1, close);
                    int cp;
                    try {
                        cp = Character.codePointOf(name);
                    } catch (IllegalArgumentException ex) {
                        throw error("invalid string escape: unknown Unicode character name");
                    }
                    out.appendCodePoint(cp);
                    i = close + 1;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int cp = e - '0';
                        int k = 0;
                        while (k < 2 && i < len && raw.charAt(i) >= '0' && raw.charAt(i) <= '7') {
                            cp = cp * 8 + (raw.charAt(i) - '0');
                            i++;
                            k++;
                        }
                        out.appendCodePoint(cp);
                    } else {
                        out.append('\\').append(e);
                    }
                }
            }
        }
        return out.toString();
    }
}
