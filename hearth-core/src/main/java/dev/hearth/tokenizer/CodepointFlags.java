package dev.hearth.tokenizer;

import java.text.Normalizer;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Unicode classification of code points the way llama.cpp's pre-tokenizers see it ({@code unicode.cpp}):
 * one general-category bit ({@code \p{L}}, {@code \p{N}}, ...) plus a separate whitespace bit.
 *
 * <p>The category comes from {@link Character#getType}, grouped into the eight major classes of the
 * Unicode general category (UAX #44): unassigned code points are {@link #UNDEFINED}; {@code Cc Cf Co Cs}
 * are {@link #CONTROL}. Whitespace is the Unicode {@code White_Space} property (PropList.txt), which is
 * what {@code \s} means to the tokenizers: it includes U+0085 and U+00A0 but not U+001C..U+001F.
 */
final class CodepointFlags {
    private CodepointFlags() {}

    static final int UNDEFINED = 0x01;
    static final int NUMBER = 0x02;
    static final int LETTER = 0x04;
    static final int SEPARATOR = 0x08;
    static final int MARK = 0x10;
    static final int PUNCTUATION = 0x20;
    static final int SYMBOL = 0x40;
    static final int CONTROL = 0x80;
    static final int CATEGORY_MASK = 0xFF;
    static final int WHITESPACE = 0x100;

    /** Flags by {@link Character#getType} value (0..30). */
    private static final int[] BY_JAVA_TYPE = new int[32];
    /** Precomputed flags for the Latin-1 range, the hot path of every pre-tokenizer. */
    private static final int[] LATIN1 = new int[256];

    static {
        BY_JAVA_TYPE[Character.UNASSIGNED] = UNDEFINED;
        for (int t : new int[] {Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                Character.MODIFIER_LETTER, Character.OTHER_LETTER}) {
            BY_JAVA_TYPE[t] = LETTER;
        }
        for (int t : new int[] {Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK}) {
            BY_JAVA_TYPE[t] = MARK;
        }
        for (int t : new int[] {Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER}) {
            BY_JAVA_TYPE[t] = NUMBER;
        }
        for (int t : new int[] {Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR}) {
            BY_JAVA_TYPE[t] = SEPARATOR;
        }
        for (int t : new int[] {Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE}) {
            BY_JAVA_TYPE[t] = CONTROL;
        }
        for (int t : new int[] {Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                Character.FINAL_QUOTE_PUNCTUATION}) {
            BY_JAVA_TYPE[t] = PUNCTUATION;
        }
        for (int t : new int[] {Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                Character.OTHER_SYMBOL}) {
            BY_JAVA_TYPE[t] = SYMBOL;
        }
        for (int cp = 0; cp < 256; cp++) {
            LATIN1[cp] = compute(cp);
        }
    }

    /** The flags of {@code cp}; 0 for values outside the code space (llama.cpp's "out of range"). */
    static int of(int cp) {
        if (cp >= 0 && cp < 256) {
            return LATIN1[cp];
        }
        if (cp < 0 || cp > Character.MAX_CODE_POINT) {
            return 0;
        }
        return compute(cp);
    }

    private static int compute(int cp) {
        int flags = BY_JAVA_TYPE[Character.getType(cp)];
        return isWhitespace(cp) ? flags | WHITESPACE : flags;
    }

    /** The Unicode White_Space property. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    static boolean isLetter(int flags) {
        return (flags & LETTER) != 0;
    }

    static boolean isNumber(int flags) {
        return (flags & NUMBER) != 0;
    }

    static boolean isWhitespaceFlag(int flags) {
        return (flags & WHITESPACE) != 0;
    }

    /** Simple (one-to-one) lowercase mapping from UnicodeData.txt, as llama.cpp's {@code unicode_tolower}. */
    static int toLower(int cp) {
        return Character.toLowerCase(cp);
    }

    private static final AtomicReference<int[]> NFD_FIRST_BMP = new AtomicReference<>();

    /**
     * The first code point of the canonical decomposition (NFD) of {@code cp}: llama.cpp's WordPiece
     * normaliser maps each code point to that single code point (so "é" becomes "e"), it does not
     * expand to the full decomposition.
     */
    static int nfdFirst(int cp) {
        if (cp < 0xC0) {
            return cp;
        }
        if (cp <= 0xFFFF) {
            int[] table = NFD_FIRST_BMP.get();
            if (table == null) {
                table = new int[0x10000];
                for (int c = 0; c < table.length; c++) {
                    table[c] = c < 0xC0 || Character.isSurrogate((char) c) ? c : nfdFirstSlow(c);
                }
                NFD_FIRST_BMP.compareAndSet(null, table);
            }
            return table[cp];
        }
        return nfdFirstSlow(cp);
    }

    private static int nfdFirstSlow(int cp) {
        String s = Character.toString(cp);
        if (Normalizer.isNormalized(s, Normalizer.Form.NFD)) {
            return cp;
        }
        return Normalizer.normalize(s, Normalizer.Form.NFD).codePointAt(0);
    }
}
