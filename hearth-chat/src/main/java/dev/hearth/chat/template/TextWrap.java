package dev.hearth.chat.template;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code textwrap.wrap} as Jinja's {@code wordwrap} filter calls it (no tab expansion, no
 * whitespace replacement, whitespace dropped at line ends): splits a line into words, whitespace and
 * hyphenated parts, and fills lines up to the width.
 */
final class TextWrap {
    // textwrap.TextWrapper.wordsep_re and wordsep_simple_re, over textwrap's whitespace set.
    private static final String WS = "[\\t\\n\\x0b\\x0c\\r ]";
    private static final String NWS = "[^\\t\\n\\x0b\\x0c\\r ]";
    private static final String WP = "[\\w!\"'&.,?]";
    private static final String LT = "[^\\d\\W]";
    private static final Pattern WORDSEP = Pattern.compile(
            WS + "+"
            + "|(?<=" + WP + ")-{2,}(?=\\w)"
            + "|" + NWS + "+?(?:-(?:(?<=" + LT + "{2}-)|(?<=" + LT + "-" + LT + "-))(?=" + LT + "-?" + LT + ")"
            + "|(?=" + WS + "|\\z)"
            + "|(?<=" + WP + ")(?=-{2,}\\w))",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORDSEP_SIMPLE = Pattern.compile(WS + "+");

    private TextWrap() {}

    static List<String> wrap(String text, int width, boolean breakLongWords, boolean breakOnHyphens) {
        if (width <= 0) {
            throw new TemplateException("invalid width " + width + " (must be > 0)");
        }
        List<String> chunks = split(text, breakOnHyphens ? WORDSEP : WORDSEP_SIMPLE);
        List<String> lines = new ArrayList<>();
        // A stack: the next chunk is at the end.
        java.util.Collections.reverse(chunks);
        while (!chunks.isEmpty()) {
            List<String> line = new ArrayList<>();
            int length = 0;
            if (!lines.isEmpty() && isBlank(last(chunks))) {
                chunks.removeLast();
            }
            while (!chunks.isEmpty()) {
                int l = PyStrings.length(last(chunks));
                if (length + l <= width) {
                    line.add(chunks.removeLast());
                    length += l;
                } else {
                    break;
                }
            }
            if (!chunks.isEmpty() && PyStrings.length(last(chunks)) > width) {
                longWord(chunks, line, length, width, breakLongWords, breakOnHyphens);
            }
            if (!line.isEmpty() && isBlank(last(line))) {
                line.removeLast();
            }
            if (!line.isEmpty()) {
                lines.add(String.join("", line));
            }
        }
        return lines;
    }

    private static void longWord(List<String> chunks, List<String> line, int length, int width, boolean breakLongWords,
                                 boolean breakOnHyphens) {
        int spaceLeft = width < 1 ? 1 : width - length;
        if (breakLongWords) {
            int end = spaceLeft;
            String chunk = last(chunks);
            if (breakOnHyphens && PyStrings.length(chunk) > spaceLeft) {
                String head = chunk.substring(0, PyStrings.offsetOf(chunk, spaceLeft));
                int hyphen = head.lastIndexOf('-');
                if (hyphen > 0 && !head.substring(0, hyphen).chars().allMatch(c -> c == '-')) {
                    end = PyStrings.cpIndex(chunk, hyphen) + 1;
                }
            }
            int cut = PyStrings.offsetOf(chunk, Math.min(end, PyStrings.length(chunk)));
            line.add(chunk.substring(0, cut));
            chunks.set(chunks.size() - 1, chunk.substring(cut));
        } else if (line.isEmpty()) {
            line.add(chunks.removeLast());
        }
    }

    private static String last(List<String> list) {
        return list.get(list.size() - 1);
    }

    private static boolean isBlank(String s) {
        return PyStrings.strip(s, null).isEmpty();
    }

    /** re.split(pattern-with-one-group, text) without the empty pieces. */
    private static List<String> split(String text, Pattern pattern) {
        List<String> out = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                // Python's split skips an empty match at the position where the previous match ended.
                if (m.start() == last && m.start() != 0 && !out.isEmpty()) {
                    continue;
                }
            }
            if (m.start() > last) {
                out.add(text.substring(last, m.start()));
            }
            if (m.end() > m.start()) {
                out.add(m.group());
            }
            last = m.end();
        }
        if (last < text.length()) {
            out.add(text.substring(last));
        }
        return out;
    }
}
