package dev.hearth.chat.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Python number semantics over the engine's number representation: Python {@code int} is a
 * {@link Long}, or a {@link BigInteger} when it does not fit; {@code bool} is a {@link Boolean} that
 * takes part in arithmetic as 0/1; {@code float} is a {@link Double}. Floats print the way Python's
 * {@code repr} does (shortest round-trip digits, exponent outside 1e-4..1e16).
 */
final class PyNumbers {
    /** Integers larger than this many bits are refused: Python would spend unbounded time and memory on them. */
    static final int MAX_INT_BITS = 8192;
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private PyNumbers() {}

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof BigInteger || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof BigInteger || v instanceof Boolean;
    }

    /** An int result in canonical form: Long when it fits, else a size-checked BigInteger. */
    static Object normalize(BigInteger v) {
        if (v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0) {
            return v.longValue();
        }
        if (v.bitLength() > MAX_INT_BITS) {
            throw new TemplateLimitException("integer too large (more than " + MAX_INT_BITS + " bits)");
        }
        return v;
    }

    static BigInteger big(Object v) {
        return switch (v) {
            case Long l -> BigInteger.valueOf(l);
            case BigInteger b -> b;
            case Boolean b -> b ? BigInteger.ONE : BigInteger.ZERO;
            default -> throw new IllegalArgumentException("not an int: " + v);
        };
    }

    /** Long value of an int that is known to fit (Boolean included). */
    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static boolean fitsLong(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Double d -> d;
            case Long l -> (double) l;
            case BigInteger b -> b.doubleValue();
            case Boolean b -> b ? 1.0 : 0.0;
            default -> throw new IllegalArgumentException("not a number: " + v);
        };
    }

    /** Python int(float): truncation toward zero; nan and inf cannot become ints. */
    static Object floatToInt(double d) {
        if (Double.isNaN(d)) {
            throw new TemplateException("cannot convert float NaN to integer");
        }
        if (Double.isInfinite(d)) {
            throw new TemplateException("cannot convert float infinity to integer");
        }
        if (Math.abs(d) < 9.0e18) {
            return (long) d;
        }
        return normalize(new BigDecimal(d).toBigInteger());
    }

    // ---- arithmetic ------------------------------------------------------------------------

    static Object add(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            return toDouble(a) + toDouble(b);
        }
        if (fitsLong(a) && fitsLong(b)) {
            long x = asLong(a);
            long y = asLong(b);
            long r = x + y;
            if (((x ^ r) & (y ^ r)) >= 0) {
                return r;
            }
        }
        return normalize(big(a).add(big(b)));
    }

    static Object sub(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            return toDouble(a) - toDouble(b);
        }
        if (fitsLong(a) && fitsLong(b)) {
            long x = asLong(a);
            long y = asLong(b);
            long r = x - y;
            if (((x ^ y) & (x ^ r)) >= 0) {
                return r;
            }
        }
        return normalize(big(a).subtract(big(b)));
    }

    static Object mul(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            return toDouble(a) * toDouble(b);
        }
        if (fitsLong(a) && fitsLong(b)) {
            long x = asLong(a);
            long y = asLong(b);
            long hi = Math.multiplyHigh(x, y);
            long lo = x * y;
            if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
                return lo;
            }
        }
        BigInteger x = big(a);
        BigInteger y = big(b);
        if ((long) x.bitLength() + y.bitLength() > MAX_INT_BITS + 1) {
            throw new TemplateLimitException("integer too large (more than " + MAX_INT_BITS + " bits)");
        }
        return normalize(x.multiply(y));
    }

    static Object trueDiv(Object a, Object b) {
        if (isZero(b)) {
            throw new TemplateException("division by zero");
        }
        if (a instanceof Double || b instanceof Double) {
            return toDouble(a) / toDouble(b);
        }
        BigInteger x = big(a);
        BigInteger y = big(b);
        if (x.bitLength() <= 53 && y.bitLength() <= 53) {
            return x.doubleValue() / y.doubleValue();
        }
        return new BigDecimal(x).divide(new BigDecimal(y), MathContext.DECIMAL128).doubleValue();
    }

    static Object floorDiv(Object a, Object b) {
        if (isZero(b)) {
            throw new TemplateException(a instanceof Double || b instanceof Double
                    ? "float floor division by zero" : "integer division or modulo by zero");
        }
        if (a instanceof Double || b instanceof Double) {
            return floatDivMod(toDouble(a), toDouble(b))[0];
        }
        if (fitsLong(a) && fitsLong(b)) {
            long x = asLong(a);
            long y = asLong(b);
            if (!(x == Long.MIN_VALUE && y == -1)) {
                return Math.floorDiv(x, y);
            }
        }
        BigInteger[] qr = big(a).divideAndRemainder(big(b));
        BigInteger q = qr[0];
        if (qr[1].signum() != 0 && qr[1].signum() != big(b).signum()) {
            q = q.subtract(BigInteger.ONE);
        }
        return normalize(q);
    }

    static Object mod(Object a, Object b) {
        if (isZero(b)) {
            throw new TemplateException(a instanceof Double || b instanceof Double
                    ? "float modulo" : "integer division or modulo by zero");
        }
        if (a instanceof Double || b instanceof Double) {
            return floatDivMod(toDouble(a), toDouble(b))[1];
        }
        if (fitsLong(a) && fitsLong(b)) {
            return Math.floorMod(asLong(a), asLong(b));
        }
        BigInteger m = big(b);
        BigInteger r = big(a).mod(m.abs());
        if (m.signum() < 0 && r.signum() != 0) {
            r = r.add(m);
        }
        return normalize(r);
    }

    /** CPython's float divmod (floatobject.c): results carry the sign conventions of floor division. */
    private static double[] floatDivMod(double vx, double wx) {
        double mod = vx % wx;
        double div = (vx - mod) / wx;
        if (mod != 0) {
            if ((wx < 0) != (mod < 0)) {
                mod += wx;
                div -= 1.0;
            }
        } else {
            mod = Math.copySign(0.0, wx);
        }
        double floordiv;
        if (div != 0) {
            floordiv = Math.floor(div);
            if (div - floordiv > 0.5) {
                floordiv += 1.0;
            }
        } else {
            floordiv = Math.copySign(0.0, vx / wx);
        }
        return new double[] {floordiv, mod};
    }

    static Object pow(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            double x = toDouble(a);
            double y = toDouble(b);
            if (x == 0 && y < 0) {
                throw new TemplateException("0.0 cannot be raised to a negative power");
            }
            if (x < 0 && y != Math.rint(y)) {
                throw new TemplateException("negative number cannot be raised to a fractional power");
            }
            return Math.pow(x, y);
        }
        BigInteger base = big(a);
        BigInteger exp = big(b);
        if (exp.signum() < 0) {
            if (base.signum() == 0) {
                throw new TemplateException("0.0 cannot be raised to a negative power");
            }
            return Math.pow(base.doubleValue(), exp.doubleValue());
        }
        if (base.equals(BigInteger.ONE) || base.signum() == 0) {
            return exp.signum() == 0 ? 1L : normalize(base);
        }
        if (base.equals(BigInteger.ONE.negate())) {
            return exp.testBit(0) ? -1L : 1L;
        }
        if (exp.bitLength() > 31 || (long) base.bitLength() * exp.longValue() > MAX_INT_BITS + 64L) {
            throw new TemplateLimitException("integer too large (more than " + MAX_INT_BITS + " bits)");
        }
        return normalize(base.pow(exp.intValue()));
    }

    static Object negate(Object a) {
        return switch (a) {
            case Double d -> -d;
            case Long l when l != Long.MIN_VALUE -> -l;
            default -> normalize(big(a).negate());
        };
    }

    static Object positive(Object a) {
        return a instanceof Boolean b ? (b ? 1L : 0L) : a;
    }

    static Object abs(Object a) {
        return switch (a) {
            case Double d -> Math.abs(d);
            case Long l when l != Long.MIN_VALUE -> Math.abs(l);
            default -> normalize(big(a).abs());
        };
    }

    static boolean isZero(Object v) {
        return switch (v) {
            case Double d -> d == 0.0;
            case Long l -> l == 0;
            case Boolean b -> !b;
            case BigInteger b -> b.signum() == 0;
            default -> false;
        };
    }

    /** Python numeric comparison, exact across int and float (nan compares unordered: returns 2). */
    static int compare(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            double x = toDouble(a);
            double y = toDouble(b);
            if (Double.isNaN(x) || Double.isNaN(y)) {
                return 2;
            }
            if (a instanceof Double && b instanceof Double) {
                return Double.compare(x, y) == 0 || x == y ? 0 : (x < y ? -1 : 1);
            }
            // int vs float: compare exactly, as Python does, not through a rounded double.
            if (Double.isInfinite(x) || Double.isInfinite(y)) {
                return x < y ? -1 : x > y ? 1 : 0;
            }
            BigDecimal bx = a instanceof Double ? new BigDecimal(x) : new BigDecimal(big(a));
            BigDecimal by = b instanceof Double ? new BigDecimal(y) : new BigDecimal(big(b));
            return bx.compareTo(by);
        }
        if (fitsLong(a) && fitsLong(b)) {
            return Long.compare(asLong(a), asLong(b));
        }
        return big(a).compareTo(big(b));
    }

    static boolean numEquals(Object a, Object b) {
        return compare(a, b) == 0;
    }

    /** Python's round(x, ndigits) for a float: exact half-even rounding of the binary value. */
    static double roundFloat(double d, int ndigits) {
        if (Double.isNaN(d) || Double.isInfinite(d) || d == 0) {
            return d;
        }
        if (ndigits > 330) {
            return d;
        }
        if (ndigits < -330) {
            return Math.copySign(0.0, d);
        }
        double r = new BigDecimal(d).setScale(ndigits, RoundingMode.HALF_EVEN).doubleValue();
        return r == 0 ? Math.copySign(0.0, d) : r;
    }

    // ---- float formatting ------------------------------------------------------------------

    /** Python {@code repr(float)} (also {@code str(float)}). */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0.0" : "0.0";
        }
        // Double.toString gives the shortest digits that round-trip (JDK 19+), like Python's repr.
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp10 = digits.length() - 1 - bd.scale();
        StringBuilder sb = new StringBuilder(32);
        if (d < 0) {
            sb.append('-');
        }
        if (exp10 < -4 || exp10 >= 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            appendExponent(sb, exp10);
        } else {
            appendFixedDigits(sb, digits, exp10);
            if (exp10 >= digits.length() - 1) {
                sb.append(".0");
            }
        }
        return sb.toString();
    }

    private static void appendFixedDigits(StringBuilder sb, String digits, int exp10) {
        if (exp10 < 0) {
            sb.append("0.");
            sb.repeat('0', -exp10 - 1);
            sb.append(digits);
        } else if (exp10 >= digits.length() - 1) {
            sb.append(digits);
            sb.repeat('0', exp10 - (digits.length() - 1));
        } else {
            sb.append(digits, 0, exp10 + 1).append('.').append(digits, exp10 + 1, digits.length());
        }
    }

    static void appendExponent(StringBuilder sb, int exp10) {
        sb.append('e').append(exp10 < 0 ? '-' : '+');
        int e = Math.abs(exp10);
        if (e < 10) {
            sb.append('0');
        }
        sb.append(e);
    }

    /** 'f' formatting of |d| with the given decimals (no sign): exact half-even, as Python does. */
    static String fixed(double absValue, int precision) {
        return new BigDecimal(absValue).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** 'e' formatting of |d| (no sign): one digit, precision decimals, exponent of at least two digits. */
    static String exponent(double absValue, int precision, boolean upper) {
        StringBuilder sb = new StringBuilder();
        int exp10;
        String digits;
        if (absValue == 0) {
            digits = "0".repeat(precision + 1);
            exp10 = 0;
        } else {
            BigDecimal r = new BigDecimal(absValue).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            digits = r.unscaledValue().toString();
            exp10 = digits.length() - 1 - r.scale();
            if (digits.length() < precision + 1) {
                digits = digits + "0".repeat(precision + 1 - digits.length());
            } else if (digits.length() > precision + 1) {
                digits = digits.substring(0, precision + 1);
            }
        }
        sb.append(digits.charAt(0));
        if (precision > 0) {
            sb.append('.').append(digits, 1, digits.length());
        }
        appendExponent(sb, exp10);
        String s = sb.toString();
        return upper ? s.toUpperCase(java.util.Locale.ROOT) : s;
    }

    /**
     * 'g' formatting of |d| (no sign). {@code alternate} keeps trailing zeros ('#' flag);
     * {@code noneType} is Python's format type '' with a precision: like 'g' but a fixed result
     * keeps at least one decimal.
     */
    static String general(double absValue, int precision, boolean upper, boolean alternate, boolean noneType) {
        int p = precision == 0 ? 1 : precision;
        if (absValue == 0) {
            String s = alternate ? "0." + "0".repeat(p - 1) : "0";
            return noneType && !alternate ? "0.0" : s;
        }
        BigDecimal r = new BigDecimal(absValue).round(new MathContext(p, RoundingMode.HALF_EVEN));
        String digits = r.unscaledValue().toString();
        int exp10 = digits.length() - 1 - r.scale();
        String out;
        if (exp10 >= -4 && exp10 < p) {
            out = fixed(absValue, Math.max(0, p - 1 - exp10));
            if (!alternate) {
                out = stripZeros(out);
                if (noneType && out.indexOf('.') < 0) {
                    out = out + ".0";
                }
            } else if (out.indexOf('.') < 0) {
                out = out + ".";
            }
        } else {
            out = exponent(absValue, p - 1, upper);
            if (!alternate) {
                int e = out.indexOf(upper ? 'E' : 'e');
                out = stripZeros(out.substring(0, e)) + out.substring(e);
            }
        }
        return upper ? out.toUpperCase(java.util.Locale.ROOT) : out;
    }

    private static String stripZeros(String s) {
        if (s.indexOf('.') < 0) {
            return s;
        }
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        if (s.charAt(end - 1) == '.') {
            end--;
        }
        return s.substring(0, end);
    }

    /** Python float(str): accepts surrounding whitespace, underscores between digits, inf/nan words. */
    static Double parseFloat(String text) {
        String s = PyStrings.strip(text, null);
        if (s.isEmpty()) {
            return null;
        }
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        String body = lower.startsWith("+") || lower.startsWith("-") ? lower.substring(1) : lower;
        boolean negative = lower.startsWith("-");
        if (body.equals("inf") || body.equals("infinity")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (body.equals("nan")) {
            return Double.NaN;
        }
        if (!isDecimalLiteral(body)) {
            return null;
        }
        try {
            return Double.parseDouble((negative ? "-" : "") + body.replace("_", ""));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Python's float syntax after the sign: digits with single underscores between them, an optional
     * fraction and exponent, at least one mantissa digit. Checked by hand: a regular expression with
     * repeated groups would overflow the stack on a long string.
     */
    private static boolean isDecimalLiteral(String s) {
        int n = s.length();
        int i = 0;
        int mantissaDigits = 0;
        int[] end = new int[1];
        int digits = digitRun(s, i, end);
        mantissaDigits += digits;
        i = end[0];
        if (i < n && s.charAt(i) == '.') {
            digits = digitRun(s, i + 1, end);
            mantissaDigits += digits;
            i = end[0];
        }
        if (mantissaDigits == 0) {
            return false;
        }
        if (i < n && s.charAt(i) == 'e') {
            int e = i + 1;
            if (e < n && (s.charAt(e) == '+' || s.charAt(e) == '-')) {
                e++;
            }
            if (digitRun(s, e, end) == 0) {
                return false;
            }
            i = end[0];
        }
        return i == n;
    }

    /** Counts digits (underscores allowed between digits) from p; end[0] is where the run stops. */
    private static int digitRun(String s, int p, int[] end) {
        int count = 0;
        int i = p;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                count++;
                i++;
            } else if (c == '_' && count > 0 && i + 1 < s.length() && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '9') {
                i++;
            } else {
                break;
            }
        }
        end[0] = i;
        return count;
    }

    /** Python int(str, base): optional sign, whitespace, underscores, 0x/0o/0b prefixes (base 0 or matching). */
    static Object parseInt(String text, int base) {
        String s = PyStrings.strip(text, null);
        boolean negative = false;
        if (s.startsWith("+") || s.startsWith("-")) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        int radix = base;
        if (lower.length() > 1 && lower.charAt(0) == '0' && "xob".indexOf(lower.charAt(1)) >= 0) {
            int prefixRadix = lower.charAt(1) == 'x' ? 16 : lower.charAt(1) == 'o' ? 8 : 2;
            if (base == 0 || base == prefixRadix) {
                radix = prefixRadix;
                lower = lower.substring(2);
                if (lower.startsWith("_")) {
                    lower = lower.substring(1);
                }
            }
        }
        if (radix == 0) {
            radix = 10;
            // Base 0 refuses leading zeros ("012"), as Python does.
            if (lower.length() > 1 && lower.charAt(0) == '0' && lower.chars().anyMatch(ch -> ch >= '1' && ch <= '9')) {
                return null;
            }
        }
        if (radix < 2 || radix > 36 || lower.isEmpty() || lower.startsWith("_") || lower.endsWith("_") || lower.contains("__")) {
            return null;
        }
        String digits = lower.replace("_", "");
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), radix) < 0) {
                return null;
            }
        }
        if (digits.length() > 4300) {
            // Python refuses int() of more than 4300 digits (a ValueError, which |int turns into its default).
            return null;
        }
        BigInteger v = new BigInteger(digits, radix);
        return normalize(negative ? v.negate() : v);
    }
}
