package dev.hearth.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character mapping ("bytes_to_unicode" in OpenAI's encoder.py): byte-level
 * BPE vocabularies store every byte as a printable character. The printable bytes {@code '!'..'~'},
 * {@code '¡'..'¬'} and {@code '®'..'ÿ'} stand for themselves; the other 68 bytes, in increasing order, map
 * to U+0100, U+0101, ... (so the space 0x20 is 'Ġ' U+0120 and the newline 0x0A is 'Ċ' U+010A).
 */
final class ByteLevel {
    private ByteLevel() {}

    /** Code point standing for each byte. */
    private static final int[] BYTE_TO_CP = new int[256];
    /** Byte for each code point below 0x200, or -1 where the code point stands for no byte. */
    private static final int[] CP_TO_BYTE = new int[0x200];

    static {
        java.util.Arrays.fill(CP_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            int cp = printable ? b : next++;
            BYTE_TO_CP[b] = cp;
            CP_TO_BYTE[cp] = b;
        }
    }

    static int byteToCodepoint(int b) {
        return BYTE_TO_CP[b & 0xFF];
    }

    /** The byte {@code cp} stands for, or -1. */
    static int codepointToByte(int cp) {
        return cp >= 0 && cp < CP_TO_BYTE.length ? CP_TO_BYTE[cp] : -1;
    }

    /**
     * The raw bytes a byte-level vocabulary string stands for, or null when it holds a character outside
     * the mapping (such a piece can never come out of byte-level BPE).
     */
    static byte[] decodeStrict(String piece) {
        byte[] out = new byte[piece.length()];
        int n = 0;
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            i += Character.charCount(cp);
            int b = codepointToByte(cp);
            if (b < 0) {
                return null;
            }
            out[n++] = (byte) b;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /**
     * Like {@link #decodeStrict} but keeps characters outside the mapping as their own UTF-8 bytes (used
     * to detokenize pieces such as added tokens that were stored verbatim).
     */
    static byte[] decodeLenient(String piece) {
        byte[] strict = decodeStrict(piece);
        if (strict != null) {
            return strict;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length() + 8);
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            i += Character.charCount(cp);
            int b = codepointToByte(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
