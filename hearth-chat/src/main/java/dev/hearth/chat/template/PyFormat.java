package dev.hearth.chat.template;

import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python string formatting: printf-style {@code fmt % args} (also Jinja's {@code |format} filter)
 * and {@code str.format(*args, **kwargs)} with the format-spec mini-language. Field lookups in
 * {@code str.format} go through the sandboxed attribute/item access, as in Jinja's SandboxedFormatter.
 */
final class PyFormat {
    private PyFormat() {}

    // ---- printf-style -------------------------------------------------------------------------

    /** {@code fmt % args}; {@code escape} is markupsafe's Markup.__mod__, which escapes the arguments. */
    static String percent(Interpreter in, String fmt, Object args, boolean escape) {
        List<Object> positional;
        PyDict mapping = args instanceof PyDict d ? d : null;
        if (args instanceof PyList l && l.isTuple()) {
            positional = l.items;
        } else {
            positional = java.util.Collections.singletonList(args);
        }
        StringBuilder out = new StringBuilder();
        int next = 0;
        boolean usedMapping = false;
        int i = 0;
        int n = fmt.length();
        while (i < n) {
            char c = fmt.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= n) {
                throw new TemplateException("incomplete format");
            }
            Object value = null;
            boolean haveValue = false;
            if (fmt.charAt(i) == '(') {
                int depth = 1;
                int start = ++i;
                while (i < n && depth > 0) {
                    if (fmt.charAt(i) == '(') {
                        depth++;
                    } else if (fmt.charAt(i) == ')') {
                        depth--;
                    }
                    i++;
                }
                if (depth > 0) {
                    throw new TemplateException("incomplete format key");
                }
                if (mapping == null) {
                    throw new TemplateException("format requires a mapping");
                }
                String key = fmt.substring(start, i - 1);
                value = mapping.get(key, Scope.MISSING);
                if (value == Scope.MISSING) {
                    throw new TemplateException("KeyError: " + PyStrings.repr(key));
                }
                haveValue = true;
                usedMapping = true;
            }
            boolean left = false;
            boolean plus = false;
            boolean space = false;
            boolean alt = false;
            boolean zero = false;
            while (i < n && "-+ #0".indexOf(fmt.charAt(i)) >= 0) {
                switch (fmt.charAt(i++)) {
                    case '-' -> left = true;
                    case '+' -> plus = true;
                    case ' ' -> space = true;
                    case '#' -> alt = true;
                    default -> zero = true;
                }
            }
            long width = -1;
            if (i < n && fmt.charAt(i) == '*') {
                i++;
                if (next >= positional.size()) {
                    throw new TemplateException("not enough arguments for format string");
                }
                width = Signature.toLong("%", positional.get(next++));
                if (width < 0) {
                    left = true;
                    width = -width;
                }
            } else {
                int start = i;
                while (i < n && Character.isDigit(fmt.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    width = parseBounded(fmt.substring(start, i));
                }
            }
            int precision = -1;
            if (i < n && fmt.charAt(i) == '.') {
                i++;
                if (i < n && fmt.charAt(i) == '*') {
                    i++;
                    if (next >= positional.size()) {
                        throw new TemplateException("not enough arguments for format string");
                    }
                    precision = (int) Math.max(0, Math.min(Integer.MAX_VALUE, Signature.toLong("%", positional.get(next++))));
                } else {
                    int start = i;
                    while (i < n && Character.isDigit(fmt.charAt(i))) {
                        i++;
                    }
                    precision = i > start ? (int) parseBounded(fmt.substring(start, i)) : 0;
                }
            }
            while (i < n && "hlL".indexOf(fmt.charAt(i)) >= 0) {
                i++;
            }
            if (i >= n) {
                throw new TemplateException("incomplete format");
            }
            char conv = fmt.charAt(i++);
            if (conv == '%') {
                out.append('%');
                continue;
            }
            if (!haveValue) {
                if (next >= positional.size()) {
                    throw new TemplateException("not enough arguments for format string");
                }
                value = positional.get(next++);
            }
            in.budget.checkSize(Math.max(width, 0) + out.length());
            String body;
            String sign = "";
            boolean numeric = true;
            switch (conv) {
                case 's', 'r', 'a' -> {
                    numeric = false;
                    body = conv == 's' ? in.str(value) : conv == 'r' ? in.repr(value) : asciiRepr(in.repr(value));
                    if (escape && !(value instanceof Markup && conv == 's')) {
                        body = PyStrings.escapeHtml(body);
                    }
                    if (precision >= 0 && precision < PyStrings.length(body)) {
                        body = body.substring(0, PyStrings.offsetOf(body, precision));
                    }
                }
                case 'd', 'i', 'u' -> {
                    BigInteger v = toInteger(value, conv, true);
                    sign = sign(v.signum() < 0, plus, space);
                    body = v.abs().toString();
                    if (precision > body.length()) {
                        body = "0".repeat(precision - body.length()) + body;
                    }
                }
                case 'x', 'X', 'o' -> {
                    BigInteger v = toInteger(value, conv, false);
                    sign = sign(v.signum() < 0, plus, space);
                    body = v.abs().toString(conv == 'o' ? 8 : 16);
                    if (conv == 'X') {
                        body = body.toUpperCase(Locale.ROOT);
                    }
                    if (precision > body.length()) {
                        body = "0".repeat(precision - body.length()) + body;
                    }
                    if (alt) {
                        body = (conv == 'o' ? "0o" : conv == 'x' ? "0x" : "0X") + body;
                    }
                }
                case 'e', 'E', 'f', 'F', 'g', 'G' -> {
                    double v = toFloat(value);
                    sign = sign(v < 0 || (v == 0 && 1 / v < 0), plus, space);
                    double abs = Math.abs(v);
                    int p = precision < 0 ? 6 : precision;
                    if (Double.isNaN(v) || Double.isInfinite(v)) {
                        body = Double.isNaN(v) ? "nan" : "inf";
                        if (Character.isUpperCase(conv)) {
                            body = body.toUpperCase(Locale.ROOT);
                        }
                        zero = false;
                    } else {
                        in.budget.allocate(p);
                        body = switch (Character.toLowerCase(conv)) {
                            case 'f' -> PyNumbers.fixed(abs, p) + (alt && p == 0 ? "." : "");
                            case 'e' -> withPoint(PyNumbers.exponent(abs, p, conv == 'E'), alt && p == 0);
                            default -> PyNumbers.general(abs, p, conv == 'G', alt, false);
                        };
                    }
                }
                case 'c' -> {
                    numeric = false;
                    if (PyNumbers.isInt(value)) {
                        long cp = Signature.toLong("%c", value);
                        if (cp < 0 || cp > Character.MAX_CODE_POINT) {
                            throw new TemplateException("%c arg not in range(0x110000)");
                        }
                        body = new String(Character.toChars((int) cp));
                    } else if (PyObjects.text(value) != null && PyStrings.length(PyObjects.text(value)) == 1) {
                        body = PyObjects.text(value);
                    } else {
                        throw new TemplateException("%c requires int or char");
                    }
                }
                default -> throw new TemplateException("unsupported format character '" + conv + "' (0x"
                        + Integer.toHexString(conv) + ") at index " + (i - 1));
            }
            String text = sign + body;
            int len = PyStrings.length(text);
            if (width > len) {
                int pad = (int) (width - len);
                if (left) {
                    text = text + " ".repeat(pad);
                } else if (zero && numeric) {
                    String prefix = sign;
                    String rest = body;
                    if ((conv == 'x' || conv == 'X' || conv == 'o') && alt) {
                        prefix = sign + body.substring(0, 2);
                        rest = body.substring(2);
                    }
                    text = prefix + "0".repeat(pad) + rest;
                } else {
                    text = " ".repeat(pad) + text;
                }
            }
            out.append(text);
            in.budget.checkSize(out.length());
        }
        if (!usedMapping && mapping == null && next < positional.size()) {
            throw new TemplateException("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static long parseBounded(String digits) {
        if (digits.length() > 9) {
            throw new TemplateLimitException("format width or precision too large");
        }
        return Long.parseLong(digits);
    }

    private static String withPoint(String exp, boolean add) {
        if (!add) {
            return exp;
        }
        int e = Math.max(exp.indexOf('e'), exp.indexOf('E'));
        return exp.substring(0, e) + "." + exp.substring(e);
    }

    private static String sign(boolean negative, boolean plus, boolean space) {
        return negative ? "-" : plus ? "+" : space ? " " : "";
    }

    private static BigInteger toInteger(Object value, char conv, boolean acceptFloat) {
        if (PyNumbers.isInt(value)) {
            return PyNumbers.big(value);
        }
        if (value instanceof Double d && acceptFloat) {
            return PyNumbers.big(PyNumbers.floatToInt(d));
        }
        if (value instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException("%" + conv + " format: " + (acceptFloat ? "a real number" : "an integer")
                + " is required, not " + PyObjects.typeName(value));
    }

    private static double toFloat(Object value) {
        if (PyNumbers.isNumber(value)) {
            return PyNumbers.toDouble(value);
        }
        if (value instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException("must be real number, not " + PyObjects.typeName(value));
    }

    private static String asciiRepr(String repr) {
        StringBuilder sb = new StringBuilder();
        repr.codePoints().forEach(cp -> {
            if (cp < 0x80) {
                sb.append((char) cp);
            } else if (cp <= 0xff) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        });
        return sb.toString();
    }

    // ---- str.format ---------------------------------------------------------------------------

    static String format(Interpreter in, String fmt, List<Object> args, Map<String, Object> kwargs) {
        return new Formatter(in, args, kwargs).run(fmt, 2);
    }

    private static final class Formatter {
        private final Interpreter in;
        private final List<Object> args;
        private final Map<String, Object> kwargs;
        private int autoIndex;
        private boolean manual;
        private boolean automatic;

        Formatter(Interpreter in, List<Object> args, Map<String, Object> kwargs) {
            this.in = in;
            this.args = args;
            this.kwargs = kwargs;
        }

        String run(String fmt, int recursion) {
            if (recursion < 0) {
                throw new TemplateException("Max string recursion exceeded");
            }
            StringBuilder out = new StringBuilder();
            int i = 0;
            int n = fmt.length();
            while (i < n) {
                char c = fmt.charAt(i);
                if (c == '{') {
                    if (i + 1 < n && fmt.charAt(i + 1) == '{') {
                        out.append('{');
                        i += 2;
                        continue;
                    }
                    int depth = 1;
                    int j = i + 1;
                    while (j < n && depth > 0) {
                        if (fmt.charAt(j) == '{') {
                            depth++;
                        } else if (fmt.charAt(j) == '}') {
                            depth--;
                        }
                        j++;
                    }
                    if (depth > 0) {
                        throw new TemplateException("expected '}' before end of string");
                    }
                    out.append(field(fmt.substring(i + 1, j - 1), recursion));
                    in.budget.checkSize(out.length());
                    i = j;
                } else if (c == '}') {
                    if (i + 1 < n && fmt.charAt(i + 1) == '}') {
                        out.append('}');
                        i += 2;
                        continue;
                    }
                    throw new TemplateException("Single '}' encountered in format string");
                } else {
                    out.append(c);
                    i++;
                }
            }
            return out.toString();
        }

        private String field(String field, int recursion) {
            // field_name [!conversion] [:format_spec]; brackets in the name may contain ':' or '!'.
            int k = 0;
            int n = field.length();
            while (k < n && field.charAt(k) != '!' && field.charAt(k) != ':') {
                if (field.charAt(k) == '[') {
                    int close = field.indexOf(']', k);
                    if (close < 0) {
                        throw new TemplateException("Missing ']' in format string");
                    }
                    k = close;
                }
                k++;
            }
            String name = field.substring(0, k);
            char conversion = 0;
            String spec = "";
            if (k < n && field.charAt(k) == '!') {
                if (k + 1 >= n) {
                    throw new TemplateException("end of string while looking for conversion specifier");
                }
                conversion = field.charAt(k + 1);
                k += 2;
                if (k < n && field.charAt(k) != ':') {
                    throw new TemplateException("expected ':' after conversion specifier");
                }
            }
            if (k < n && field.charAt(k) == ':') {
                spec = field.substring(k + 1);
            }
            Object value = resolve(name);
            switch (conversion) {
                case 0 -> { }
                case 's' -> value = in.str(value);
                case 'r' -> value = in.repr(value);
                case 'a' -> value = asciiRepr(in.repr(value));
                default -> throw new TemplateException("Unknown conversion specifier " + conversion);
            }
            if (spec.indexOf('{') >= 0) {
                spec = run(spec, recursion - 1);
            }
            return formatValue(in, value, spec);
        }

        private Object resolve(String name) {
            int k = 0;
            int n = name.length();
            while (k < n && name.charAt(k) != '.' && name.charAt(k) != '[') {
                k++;
            }
            String first = name.substring(0, k);
            Object value;
            if (first.isEmpty()) {
                if (manual) {
                    throw new TemplateException("cannot switch from manual field specification to automatic field numbering");
                }
                automatic = true;
                value = positional(autoIndex++);
            } else if (first.chars().allMatch(Character::isDigit)) {
                if (automatic) {
                    throw new TemplateException("cannot switch from automatic field numbering to manual field specification");
                }
                manual = true;
                value = positional(first.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(first));
            } else {
                if (!kwargs.containsKey(first)) {
                    throw new TemplateException("KeyError: " + PyStrings.repr(first));
                }
                value = kwargs.get(first);
            }
            while (k < n) {
                char c = name.charAt(k);
                if (c == '.') {
                    int j = k + 1;
                    while (j < n && name.charAt(j) != '.' && name.charAt(j) != '[') {
                        j++;
                    }
                    String attr = name.substring(k + 1, j);
                    if (attr.isEmpty()) {
                        throw new TemplateException("Empty attribute in format string");
                    }
                    value = in.getAttr(value, attr);
                    k = j;
                } else if (c == '[') {
                    int close = name.indexOf(']', k);
                    String key = name.substring(k + 1, close);
                    Object keyValue = !key.isEmpty() && key.chars().allMatch(Character::isDigit) && key.length() < 10
                            ? (Object) Long.parseLong(key) : key;
                    value = in.getItem(value, keyValue);
                    k = close + 1;
                } else {
                    throw new TemplateException("Only '.' or '[' may follow ']' in format field specifier");
                }
            }
            return value;
        }

        private Object positional(int index) {
            if (index >= args.size()) {
                throw new TemplateException("Replacement index " + index + " out of range for positional args tuple");
            }
            return args.get(index);
        }
    }

    /** Python format(value, spec). */
    static String formatValue(Interpreter in, Object value, String spec) {
        if (spec.isEmpty()) {
            return in.str(value);
        }
        Spec s = Spec.parse(spec);
        in.budget.allocate(s.width);
        if (value instanceof Boolean b) {
            value = b ? 1L : 0L;
        }
        if (PyObjects.isString(value)) {
            if (s.sign != 0) {
                throw new TemplateException("Sign not allowed in string format specifier");
            }
            if (s.type != 0 && s.type != 's') {
                throw new TemplateException("Unknown format code '" + s.type + "' for object of type 'str'");
            }
            String text = PyObjects.text(value);
            if (s.precision >= 0 && s.precision < PyStrings.length(text)) {
                text = text.substring(0, PyStrings.offsetOf(text, s.precision));
            }
            return s.align(text, "", '<');
        }
        if (PyNumbers.isInt(value) && (s.type == 0 || "bcdoxXn".indexOf(s.type) >= 0)) {
            BigInteger v = PyNumbers.big(value);
            if (s.precision >= 0) {
                throw new TemplateException("Precision not allowed in integer format specifier");
            }
            String sign = sign(v.signum() < 0, s.sign == '+', s.sign == ' ');
            String digits;
            String prefix = "";
            switch (s.type) {
                case 'b' -> {
                    digits = v.abs().toString(2);
                    prefix = s.alternate ? "0b" : "";
                }
                case 'o' -> {
                    digits = v.abs().toString(8);
                    prefix = s.alternate ? "0o" : "";
                }
                case 'x', 'X' -> {
                    digits = v.abs().toString(16);
                    if (s.type == 'X') {
                        digits = digits.toUpperCase(Locale.ROOT);
                    }
                    prefix = s.alternate ? (s.type == 'x' ? "0x" : "0X") : "";
                }
                case 'c' -> {
                    long cp = v.longValue();
                    if (v.bitLength() > 31 || cp < 0 || cp > Character.MAX_CODE_POINT) {
                        throw new TemplateException("%c arg not in range(0x110000)");
                    }
                    return s.align(new String(Character.toChars((int) cp)), "", '<');
                }
                default -> digits = v.abs().toString();
            }
            if (s.grouping != 0) {
                digits = group(digits, s.type == 0 || s.type == 'd' || s.type == 'n' ? 3 : 4, s.grouping);
            }
            return s.alignNumber(digits, sign + prefix);
        }
        if (PyNumbers.isNumber(value)) {
            double d = PyNumbers.toDouble(value);
            char type = s.type;
            if (type != 0 && "eEfFgGn%".indexOf(type) < 0) {
                throw new TemplateException("Unknown format code '" + type + "' for object of type '"
                        + PyObjects.typeName(value) + "'");
            }
            boolean negative = d < 0 || (d == 0 && 1 / d < 0);
            if (s.coerceZero && d == 0) {
                negative = false;
            }
            String sign = sign(negative, s.sign == '+', s.sign == ' ');
            double abs = Math.abs(d);
            String body;
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                body = Double.isNaN(d) ? "nan" : "inf";
                if (type == 'E' || type == 'F' || type == 'G') {
                    body = body.toUpperCase(Locale.ROOT);
                }
                if (type == '%') {
                    body += "%";
                }
                return s.alignNumber(body, sign);
            }
            int p = s.precision;
            in.budget.allocate(Math.max(p, 0));
            body = switch (type) {
                case 'f', 'F' -> PyNumbers.fixed(abs, p < 0 ? 6 : p) + (s.alternate && p == 0 ? "." : "");
                case 'e', 'E' -> withPoint(PyNumbers.exponent(abs, p < 0 ? 6 : p, type == 'E'), s.alternate && p == 0);
                case 'g', 'G', 'n' -> PyNumbers.general(abs, p < 0 ? 6 : p, type == 'G', s.alternate, false);
                case '%' -> PyNumbers.fixed(abs * 100, p < 0 ? 6 : p) + "%";
                default -> {
                    if (p < 0) {
                        String r = value instanceof Double ? PyNumbers.floatRepr(abs) : PyNumbers.big(value).abs().toString();
                        yield r;
                    }
                    yield PyNumbers.general(abs, p, false, s.alternate, true);
                }
            };
            if (s.grouping != 0) {
                int end = 0;
                while (end < body.length() && Character.isDigit(body.charAt(end))) {
                    end++;
                }
                body = group(body.substring(0, end), 3, s.grouping) + body.substring(end);
            }
            return s.alignNumber(body, sign);
        }
        throw new TemplateException("unsupported format string passed to " + PyObjects.typeName(value) + ".__format__");
    }

    private static String group(String digits, int size, char separator) {
        StringBuilder sb = new StringBuilder();
        int first = digits.length() % size;
        if (first == 0) {
            first = size;
        }
        sb.append(digits, 0, Math.min(first, digits.length()));
        for (int i = first; i < digits.length(); i += size) {
            sb.append(separator).append(digits, i, i + size);
        }
        return sb.toString();
    }

    /** A parsed format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type]. */
    private record Spec(char fill, char alignment, char sign, boolean coerceZero, boolean alternate, boolean zeroPad,
                        int width, char grouping, int precision, char type) {

        static Spec parse(String spec) {
            int i = 0;
            int n = spec.length();
            char fill = ' ';
            char align = 0;
            if (n >= 2 && "<>=^".indexOf(spec.charAt(1)) >= 0) {
                fill = spec.charAt(0);
                align = spec.charAt(1);
                i = 2;
            } else if (n >= 1 && "<>=^".indexOf(spec.charAt(0)) >= 0) {
                align = spec.charAt(0);
                i = 1;
            }
            char sign = 0;
            if (i < n && "+- ".indexOf(spec.charAt(i)) >= 0) {
                sign = spec.charAt(i++);
                if (sign == '-') {
                    sign = 0;
                }
            }
            boolean z = false;
            if (i < n && spec.charAt(i) == 'z') {
                z = true;
                i++;
            }
            boolean alt = false;
            if (i < n && spec.charAt(i) == '#') {
                alt = true;
                i++;
            }
            boolean zero = false;
            if (i < n && spec.charAt(i) == '0') {
                zero = true;
                i++;
            }
            int start = i;
            while (i < n && Character.isDigit(spec.charAt(i))) {
                i++;
            }
            int width = i > start ? (int) parseBounded(spec.substring(start, i)) : -1;
            char grouping = 0;
            if (i < n && (spec.charAt(i) == ',' || spec.charAt(i) == '_')) {
                grouping = spec.charAt(i++);
            }
            int precision = -1;
            if (i < n && spec.charAt(i) == '.') {
                i++;
                start = i;
                while (i < n && Character.isDigit(spec.charAt(i))) {
                    i++;
                }
                if (i == start) {
                    throw new TemplateException("Format specifier missing precision");
                }
                precision = (int) parseBounded(spec.substring(start, i));
            }
            char type = 0;
            if (i < n) {
                type = spec.charAt(i++);
            }
            if (i < n) {
                throw new TemplateException("Invalid format specifier '" + spec + "'");
            }
            if (zero && align == 0) {
                fill = '0';
                align = '=';
            }
            return new Spec(fill, align, sign, z, alt, zero, width, grouping, precision, type);
        }

        String align(String text, String prefix, char defaultAlign) {
            String body = prefix + text;
            int len = PyStrings.length(body);
            if (width <= len) {
                return body;
            }
            int pad = width - len;
            String f = String.valueOf(fill);
            return switch (alignment == 0 ? defaultAlign : alignment) {
                case '<' -> body + f.repeat(pad);
                case '^' -> f.repeat(pad / 2) + body + f.repeat(pad - pad / 2);
                case '=' -> prefix + f.repeat(pad) + text;
                default -> f.repeat(pad) + body;
            };
        }

        String alignNumber(String digits, String signAndPrefix) {
            return align(digits, signAndPrefix, '>');
        }
    }
}
