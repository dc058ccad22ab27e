package dev.hearth.chat.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} semantics over Java strings. Python strings are sequences of code points while
 * Java strings are UTF-16, so lengths, indexes and slices here count code points (a string without
 * surrogates takes the fast path). Whitespace is Python's {@code str.isspace}, not Java's.
 */
final class PyStrings {
    private PyStrings() {}

    /** Python str.isspace for one char (every Python whitespace character is in the BMP). */
    static boolean isSpace(char c) {
        if (c <= ' ') {
            return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
        }
        return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028
                || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    static boolean isAllSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** len(s) in code points. */
    static int length(String s) {
        return hasSurrogates(s) ? s.codePointCount(0, s.length()) : s.length();
    }

    /** The UTF-16 offset of code point index {@code cp} (0 ≤ cp ≤ length). */
    static int offsetOf(String s, int cp) {
        return hasSurrogates(s) ? s.offsetByCodePoints(0, cp) : cp;
    }

    /** The code point index of UTF-16 offset {@code off}. */
    static int cpIndex(String s, int off) {
        return hasSurrogates(s) ? s.codePointCount(0, off) : off;
    }

    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }

    /** s[i] for a normalized (non-negative, in range) code point index. */
    static String charAt(String s, int cp) {
        if (!hasSurrogates(s)) {
            return String.valueOf(s.charAt(cp));
        }
        int off = s.offsetByCodePoints(0, cp);
        return new String(Character.toChars(s.codePointAt(off)));
    }

    static List<String> chars(String s) {
        List<String> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            out.add(s.substring(i, i + len));
            i += len;
        }
        return out;
    }

    /** s[start:stop:step] with already-resolved slice indexes (see PyObjects.sliceIndexes). */
    static String slice(String s, int start, int step, int count) {
        if (step == 1 && !hasSurrogates(s)) {
            return s.substring(start, start + count);
        }
        int[] cps = codePoints(s);
        StringBuilder sb = new StringBuilder(count);
        for (int k = 0, i = start; k < count; k++, i += step) {
            sb.appendCodePoint(cps[i]);
        }
        return sb.toString();
    }

    // ---- substring search ----------------------------------------------------------------------

    /**
     * Substring search in linear time. Java's {@code String.indexOf} compares naively, which takes
     * n·m steps in the worst case ('aaa…ab' in 'aaa…a'); Python's search is linear, and templates pick
     * both strings. Short needles use indexOf (at most 32·n); longer ones Knuth-Morris-Pratt.
     */
    static final class Finder {
        private static final int NAIVE_MAX = 32;
        private final String needle;
        private int[] forward;
        private String reversed;
        private int[] backward;

        Finder(String needle) {
            this.needle = needle;
        }

        /** Like {@code haystack.indexOf(needle, from)}. */
        int indexIn(String haystack, int from) {
            int m = needle.length();
            if (m <= NAIVE_MAX) {
                return haystack.indexOf(needle, from);
            }
            if (forward == null) {
                forward = failure(needle);
            }
            int k = 0;
            for (int i = Math.max(0, from); i < haystack.length(); i++) {
                char c = haystack.charAt(i);
                while (k > 0 && needle.charAt(k) != c) {
                    k = forward[k - 1];
                }
                if (needle.charAt(k) == c) {
                    k++;
                }
                if (k == m) {
                    return i - m + 1;
                }
            }
            return -1;
        }

        /** Like {@code haystack.lastIndexOf(needle, from)}: the last match starting at or before {@code from}. */
        int lastIndexIn(String haystack, int from) {
            int m = needle.length();
            if (m <= NAIVE_MAX) {
                return haystack.lastIndexOf(needle, from);
            }
            int start = Math.min(from, haystack.length() - m);
            if (start < 0) {
                return -1;
            }
            if (backward == null) {
                reversed = new StringBuilder(needle).reverse().toString();
                backward = failure(reversed);
            }
            int k = 0;
            for (int i = start + m - 1; i >= 0; i--) {
                char c = haystack.charAt(i);
                while (k > 0 && reversed.charAt(k) != c) {
                    k = backward[k - 1];
                }
                if (reversed.charAt(k) == c) {
                    k++;
                }
                if (k == m) {
                    return i;
                }
            }
            return -1;
        }

        private static int[] failure(String p) {
            int[] f = new int[p.length()];
            int k = 0;
            for (int i = 1; i < p.length(); i++) {
                while (k > 0 && p.charAt(i) != p.charAt(k)) {
                    k = f[k - 1];
                }
                if (p.charAt(i) == p.charAt(k)) {
                    k++;
                }
                f[i] = k;
            }
            return f;
        }
    }

    static int indexOf(String haystack, String needle, int from) {
        return new Finder(needle).indexIn(haystack, from);
    }

    static int lastIndexOf(String haystack, String needle, int from) {
        return new Finder(needle).lastIndexIn(haystack, from);
    }

    static boolean contains(String haystack, String needle) {
        return indexOf(haystack, needle, 0) >= 0;
    }

    // ---- strip / split -----------------------------------------------------------------------

    private static boolean inChars(int cp, String chars) {
        return chars == null ? (cp < 0x10000 && isSpace((char) cp)) : chars.indexOf(cp) >= 0;
    }

    /** str.strip(chars); chars null means whitespace. */
    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!inChars(cp, chars)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    static String rstrip(String s) {
        return rstrip(s, null);
    }

    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!inChars(cp, chars)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    /** str.split(sep, maxsplit); sep null splits on runs of whitespace and drops empty ends. */
    static List<String> split(String s, String sep, long maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(rstrip(s.substring(i)));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        Finder finder = new Finder(sep);
        int i = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int j = finder.indexIn(s, i);
            if (j < 0) {
                break;
            }
            out.add(s.substring(i, j));
            i = j + sep.length();
        }
        out.add(s.substring(i));
        return out;
    }

    /** str.rsplit(sep, maxsplit). */
    static List<String> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int end = s.length();
            while (true) {
                while (end > 0 && isSpace(s.charAt(end - 1))) {
                    end--;
                }
                if (end <= 0) {
                    break;
                }
                if (out.size() >= maxsplit) {
                    out.add(lstrip(s.substring(0, end), null));
                    break;
                }
                int j = end;
                while (j > 0 && !isSpace(s.charAt(j - 1))) {
                    j--;
                }
                out.add(s.substring(j, end));
                end = j;
            }
        } else {
            if (sep.isEmpty()) {
                throw new TemplateException("empty separator");
            }
            Finder finder = new Finder(sep);
            int end = s.length();
            while (out.size() < maxsplit) {
                int j = end - sep.length() < 0 ? -1 : finder.lastIndexIn(s, end - sep.length());
                if (j < 0) {
                    break;
                }
                out.add(s.substring(j + sep.length(), end));
                end = j;
            }
            out.add(s.substring(0, end));
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /** str.splitlines(keepends): Python's line boundaries. */
    static List<String> splitlines(String s, boolean keepends) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        int start = 0;
        while (i < n) {
            char c = s.charAt(i);
            int brk = 0;
            if (c == '\r') {
                brk = i + 1 < n && s.charAt(i + 1) == '\n' ? 2 : 1;
            } else if (c == '\n' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x85
                    || c == 0x2028 || c == 0x2029) {
                brk = 1;
            }
            if (brk > 0) {
                out.add(s.substring(start, keepends ? i + brk : i));
                i += brk;
                start = i;
            } else {
                i++;
            }
        }
        if (start < n) {
            out.add(s.substring(start));
        }
        return out;
    }

    /** str.replace(old, new, count), including Python's behaviour for an empty {@code old}. */
    static String replace(String s, String old, String repl, long count, Budget budget) {
        if (count == 0) {
            return s;
        }
        if (old.isEmpty()) {
            List<String> cs = chars(s);
            long slots = count < 0 ? cs.size() + 1L : Math.min(count, cs.size() + 1L);
            budget.allocate(s.length() + slots * repl.length());
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < cs.size(); k++) {
                if (k < slots) {
                    sb.append(repl);
                }
                sb.append(cs.get(k));
            }
            if (slots > cs.size()) {
                sb.append(repl);
            }
            return sb.toString();
        }
        StringBuilder sb = null;
        Finder finder = new Finder(old);
        int i = 0;
        long done = 0;
        while (count < 0 || done < count) {
            int j = finder.indexIn(s, i);
            if (j < 0) {
                break;
            }
            if (sb == null) {
                sb = new StringBuilder(s.length());
            }
            sb.append(s, i, j).append(repl);
            budget.checkSize(sb.length());
            i = j + old.length();
            done++;
        }
        if (sb == null) {
            return s;
        }
        sb.append(s, i, s.length());
        budget.allocate(sb.length());
        return sb.toString();
    }

    // ---- case ---------------------------------------------------------------------------------

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** str.title(): a letter after a cased character is lowercased, any other cased one titlecased. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (previousCased) {
                sb.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            } else {
                sb.appendCodePoint(Character.toTitleCase(cp));
            }
            previousCased = isCased(cp);
        }
        return sb.toString();
    }

    /** str.capitalize(): first character titlecased, the rest lowercased (Python 3.8+). */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int cp = s.codePointAt(0);
        int len = Character.charCount(cp);
        return new String(Character.toChars(Character.toTitleCase(cp))) + s.substring(len).toLowerCase(Locale.ROOT);
    }

    static String swapcase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.isUpperCase(cp)) {
                sb.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            } else if (Character.isLowerCase(cp)) {
                sb.append(new String(Character.toChars(cp)).toUpperCase(Locale.ROOT));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    static boolean isLower(String s) {
        boolean cased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
                return false;
            }
            cased |= Character.isLowerCase(cp);
        }
        return cased;
    }

    static boolean isUpper(String s) {
        boolean cased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLowerCase(cp) || Character.isTitleCase(cp)) {
                return false;
            }
            cased |= Character.isUpperCase(cp);
        }
        return cased;
    }

    // ---- repr ---------------------------------------------------------------------------------

    /** Python repr(str): single quotes unless the text has ' and no ", escapes for the unprintable. */
    static String repr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2);
        sb.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp < 0x20 || cp == 0x7f) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp < 0x7f || isPrintable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        }
        return sb.append(quote).toString();
    }

    /** Python's notion of printable: not a control, format, surrogate, private, unassigned or separator (except space). */
    static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** markupsafe.escape: &, <, >, ' and " become entities. */
    static String escapeHtml(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '\'' -> "&#39;";
                case '"' -> "&#34;";
                default -> null;
            };
            if (rep != null) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                sb.append(rep);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** Code point order, as Python compares strings (Java's compareTo is UTF-16 order). */
    static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (Character.isSurrogate(x) || Character.isSurrogate(y)) {
                    return Integer.compare(a.codePointAt(i), b.codePointAt(i));
                }
                return Character.compare(x, y);
            }
        }
        return Integer.compare(a.length(), b.length());
    }
}
