package dev.hearth.chat.template;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code textwrap.wrap} as Jinja's {@code wordwrap} filter calls it (no tab expansion, no
 * whitespace replacement, whitespace dropped at line ends): splits a line into words, whitespace and
 * hyphenated parts, and fills lines up to the width. A word longer than the width is cut in place
 * (an offset into it), not copied for every line, so a long word costs linear time.
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

    /** The chunks still to place, the next one last; the next one may be partly consumed (offset). */
    private final List<String> stack;
    private int offset;
    private final Budget budget;
    private String simpleChecked;
    private boolean simple;

    private TextWrap(List<String> stack, Budget budget) {
        this.stack = stack;
        this.budget = budget;
    }

    static List<String> wrap(String text, int width, boolean breakLongWords, boolean breakOnHyphens, Budget budget) {
        if (width <= 0) {
            throw new TemplateException("invalid width " + width + " (must be > 0)");
        }
        List<String> chunks = split(text, breakOnHyphens ? WORDSEP : WORDSEP_SIMPLE);
        budget.charge(chunks.size());
        java.util.Collections.reverse(chunks);
        return new TextWrap(chunks, budget).fill(width, breakLongWords, breakOnHyphens);
    }

    private List<String> fill(int width, boolean breakLongWords, boolean breakOnHyphens) {
        List<String> lines = new ArrayList<>();
        while (!stack.isEmpty()) {
            budget.step();
            StringBuilder line = new StringBuilder();
            String lastPiece = null;
            int length = 0;
            if (!lines.isEmpty() && topIsBlank()) {
                pop();
            }
            while (!stack.isEmpty()) {
                int l = topLength();
                if (length + l <= width) {
                    lastPiece = pop();
                    line.append(lastPiece);
                    length += l;
                } else {
                    break;
                }
            }
            if (!stack.isEmpty() && topLength() > width) {
                int spaceLeft = width < 1 ? 1 : width - length;
                if (breakLongWords) {
                    lastPiece = takeFromTop(spaceLeft, breakOnHyphens);
                    line.append(lastPiece);
                } else if (line.isEmpty()) {
                    lastPiece = pop();
                    line.append(lastPiece);
                }
            }
            if (lastPiece != null && PyStrings.isAllSpace(lastPiece, 0)) {
                line.setLength(line.length() - lastPiece.length());
            }
            if (!line.isEmpty()) {
                lines.add(line.toString());
                budget.checkSize(lines.size());
            }
        }
        return lines;
    }

    private String top() {
        return stack.get(stack.size() - 1);
    }

    private boolean topIsBlank() {
        return PyStrings.isAllSpace(top(), offset);
    }

    private int topLength() {
        String t = top();
        if (t != simpleChecked) {
            // One scan per chunk: without surrogates, code points are chars and lengths are free.
            budget.chargeCopy(t.length());
            simpleChecked = t;
            simple = t.chars().noneMatch(ch -> Character.isSurrogate((char) ch));
        }
        if (simple) {
            return t.length() - offset;
        }
        budget.chargeCopy(t.length() - offset);
        return t.codePointCount(offset, t.length());
    }

    private String pop() {
        String t = stack.remove(stack.size() - 1);
        String rest = offset == 0 ? t : t.substring(offset);
        offset = 0;
        return rest;
    }

    /** The first {@code end} code points of the next chunk (up to a hyphen when allowed), leaving the rest. */
    private String takeFromTop(int end, boolean breakOnHyphens) {
        String t = top();
        int from = offset;
        int limit = t.offsetByCodePoints(from, Math.min(end, t.codePointCount(from, t.length())));
        int cut = limit;
        if (breakOnHyphens) {
            int hyphen = t.lastIndexOf('-', limit - 1);
            if (hyphen > from) {
                boolean nonHyphenBefore = false;
                for (int i = from; i < hyphen && !nonHyphenBefore; i++) {
                    nonHyphenBefore = t.charAt(i) != '-';
                }
                if (nonHyphenBefore) {
                    cut = hyphen + 1;
                }
            }
        }
        offset = cut;
        if (offset >= t.length()) {
            stack.remove(stack.size() - 1);
            offset = 0;
        }
        return t.substring(from, cut);
    }

    /** re.split(pattern, text) without the empty pieces. */
    private static List<String> split(String text, Pattern pattern) {
        List<String> out = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
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
