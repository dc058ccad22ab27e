package dev.hearth.tokenizer;

/**
 * Conversions between Java strings, code points and UTF-8 bytes as the tokenizers need them. A lone surrogate
 * in a Java string (not valid Unicode text) becomes U+FFFD, which is what llama.cpp makes of the invalid
 * UTF-8 it would have been given instead.
 */
final class Utf8 {
    private Utf8() {}

    /** The code points of {@code s[start, end)}. */
    static int[] codePoints(String s, int start, int end) {
        int[] out = new int[end - start];
        int n = 0;
        for (int i = start; i < end; ) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                out[n++] = Character.toCodePoint(c, s.charAt(i + 1));
                i += 2;
            } else {
                out[n++] = Character.isSurrogate(c) ? 0xFFFD : c;
                i++;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** Bytes needed to encode {@code cp}. */
    static int length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /** Writes {@code cp} at {@code buf[at]}; returns the position after it. */
    static int put(byte[] buf, int at, int cp) {
        if (cp < 0x80) {
            buf[at++] = (byte) cp;
        } else if (cp < 0x800) {
            buf[at++] = (byte) (0xC0 | cp >> 6);
            buf[at++] = (byte) (0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            buf[at++] = (byte) (0xE0 | cp >> 12);
            buf[at++] = (byte) (0x80 | cp >> 6 & 0x3F);
            buf[at++] = (byte) (0x80 | cp & 0x3F);
        } else {
            buf[at++] = (byte) (0xF0 | cp >> 18);
            buf[at++] = (byte) (0x80 | cp >> 12 & 0x3F);
            buf[at++] = (byte) (0x80 | cp >> 6 & 0x3F);
            buf[at++] = (byte) (0x80 | cp & 0x3F);
        }
        return at;
    }

    /** Length of the UTF-8 sequence a lead byte announces, as llama.cpp's {@code unicode_len_utf8}. */
    static int sequenceLength(byte lead) {
        int hi = (lead & 0xFF) >>> 4;
        return hi < 12 ? 1 : hi < 14 ? 2 : hi == 14 ? 3 : 4;
    }
}
