package dev.hearth.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of token ids into text without ever emitting half a UTF-8 character: the bytes of a
 * character split across tokens (an emoji as four byte tokens, a CJK character as two BPE pieces) are held
 * back until the character is complete. Bytes that can never become a valid character (a stray continuation
 * byte, a truncated sequence followed by something else, an overlong form or a surrogate) come out as
 * U+FFFD, one per maximal invalid subpart as the Unicode standard recommends (and as Java's decoder does).
 *
 * <p>Not thread-safe: one decoder per generated stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int pendingLength;

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds a token; returns the text that is now complete (often empty, never null). */
    public String accept(int tokenId) {
        return acceptBytes(tokenizer.decodeBytes(tokenId));
    }

    /** Adds raw bytes (as produced by {@link Tokenizer#decodeBytes}); returns the text that is now complete. */
    public String acceptBytes(byte[] bytes) {
        if (pendingLength + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
        return drain(false);
    }

    /** Ends the stream: any held-back incomplete sequence comes out as U+FFFD. */
    public String flush() {
        return drain(true);
    }

    /** Number of bytes held back because they may start a character that is not complete yet (0..3). */
    public int pendingBytes() {
        return pendingLength;
    }

    private String drain(boolean atEnd) {
        StringBuilder out = new StringBuilder(pendingLength);
        int i = 0;
        while (i < pendingLength) {
            int b0 = pending[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need; // continuation bytes
            int min2 = 0x80, max2 = 0xBF; // allowed range of the second byte (rules out overlongs and surrogates)
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) {
                    min2 = 0xA0;
                } else if (b0 == 0xED) {
                    max2 = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) {
                    min2 = 0x90;
                } else if (b0 == 0xF4) {
                    max2 = 0x8F;
                }
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = 1;
            boolean valid = true;
            for (; j <= need && i + j < pendingLength; j++) {
                int b = pending[i + j] & 0xFF;
                int lo = j == 1 ? min2 : 0x80, hi = j == 1 ? max2 : 0xBF;
                if (b < lo || b > hi) {
                    valid = false;
                    break;
                }
                cp = cp << 6 | (b & 0x3F);
            }
            if (!valid) {
                out.append('\uFFFD'); // the lead and the valid continuation bytes before the bad one
                i += j;
                continue;
            }
            if (j <= need) { // ran out of bytes: a valid but incomplete sequence
                if (!atEnd) {
                    break;
                }
                out.append('\uFFFD');
                i = pendingLength;
                continue;
            }
            out.appendCodePoint(cp);
            i += need + 1;
        }
        System.arraycopy(pending, i, pending, 0, pendingLength - i);
        pendingLength -= i;
        return out.toString();
    }
}
