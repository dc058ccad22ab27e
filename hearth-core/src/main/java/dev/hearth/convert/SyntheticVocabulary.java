package dev.hearth.convert;

import dev.hearth.gguf.GgufKeys;
import dev.hearth.gguf.GgufValue;
import dev.hearth.gguf.GgufWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A Llama 3 style byte-level BPE vocabulary of any size, made up, for random-weight models: benchmarks feed
 * token ids directly, but the file must still carry a tokenizer that Hearth and llama.cpp load.
 *
 * <p>Ids 0..255 are the 256 single bytes in GPT-2's byte-to-character form (so every text can be tokenized
 * and llama.cpp finds its newline token), then the 676 two-letter lowercase pieces with the merges that build
 * them, then made-up words {@code Ġ<letters>} up to the special tokens, which take the last 256 ids (as in
 * Llama 3: {@code <|begin_of_text|>} first, {@code <|eot_id|>} tenth) when the vocabulary is large enough.
 */
final class SyntheticVocabulary {

    private static final int TYPE_NORMAL = 1;
    private static final int TYPE_CONTROL = 3;

    private SyntheticVocabulary() {
    }

    /** GPT-2's printable stand-in for each byte (bytes_to_unicode). */
    static String byteChar(int b) {
        boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) {
            return String.valueOf((char) b);
        }
        int n = 0;
        for (int i = 0; i < b; i++) {
            boolean p = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF);
            if (!p) {
                n++;
            }
        }
        return String.valueOf((char) (256 + n));
    }

    /** Puts {@code tokenizer.*} metadata for a vocabulary of {@code size} tokens. */
    static void put(GgufWriter w, int size) {
        String[] tokens = new String[size];
        int[] types = new int[size];
        int specials = size >= 4096 ? 256 : 0;
        int firstSpecial = size - specials;
        for (int b = 0; b < 256; b++) {
            tokens[b] = byteChar(b);
            types[b] = TYPE_NORMAL;
        }
        List<String> merges = new ArrayList<>();
        int id = 256;
        for (char a = 'a'; a <= 'z' && id < firstSpecial; a++) {
            for (char c = 'a'; c <= 'z' && id < firstSpecial; c++) {
                tokens[id] = "" + a + c;
                types[id++] = TYPE_NORMAL;
                merges.add(a + " " + c);
            }
        }
        for (int word = 0; id < firstSpecial; word++) {
            tokens[id] = "Ġ" + letters(word);
            types[id++] = TYPE_NORMAL;
        }
        for (int s = 0; s < specials; s++) {
            String name = switch (s) {
                case 0 -> "<|begin_of_text|>";
                case 1 -> "<|end_of_text|>";
                case 6 -> "<|start_header_id|>";
                case 7 -> "<|end_header_id|>";
                case 9 -> "<|eot_id|>";
                default -> "<|reserved_special_token_" + s + "|>";
            };
            tokens[firstSpecial + s] = name;
            types[firstSpecial + s] = TYPE_CONTROL;
        }
        w.putString(GgufKeys.TOKENIZER_MODEL, "gpt2");
        w.putString(GgufKeys.TOKENIZER_PRE, "llama-bpe");
        w.putStringArray(GgufKeys.TOKENIZER_TOKENS, tokens);
        w.putArray(GgufKeys.TOKENIZER_TOKEN_TYPE, GgufValue.GgufArray.ofInts(types));
        w.putStringArray(GgufKeys.TOKENIZER_MERGES, merges.toArray(String[]::new));
        if (specials > 0) {
            w.putUInt32(GgufKeys.TOKENIZER_BOS_ID, firstSpecial);
            w.putUInt32(GgufKeys.TOKENIZER_EOS_ID, firstSpecial + 9);
        } else {
            w.putUInt32(GgufKeys.TOKENIZER_BOS_ID, 0);
            w.putUInt32(GgufKeys.TOKENIZER_EOS_ID, 1);
        }
    }

    /** A word of at least three lowercase letters, different for every n. */
    private static String letters(int n) {
        StringBuilder b = new StringBuilder();
        int v = n + 26 * 26 + 26 + 1; // bijective base 26: skip the one- and two-letter words
        while (v > 0) {
            v--;
            b.append((char) ('a' + v % 26));
            v /= 26;
        }
        return b.reverse().toString();
    }
}
