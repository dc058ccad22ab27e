package dev.hearth.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * WordPiece (BERT) as llama.cpp runs it ({@code llm_tokenizer_wpm}). The text is normalized like BERT's
 * BasicTokenizer: each code point is replaced by the first code point of its canonical decomposition and
 * combining marks are dropped (accent stripping), control characters are dropped, letters are lowercased;
 * words end at whitespace, and each punctuation mark, ASCII symbol and CJK ideograph is a word of its own.
 * Each word is then covered greedily by the longest vocabulary pieces, left to right; a word that cannot be
 * covered becomes {@code [UNK]}.
 *
 * <p>llama.cpp's converter stores word-initial pieces with a "▁" prefix and continuation pieces without
 * BERT's "##", so words are matched with "▁" prepended.
 */
final class WordPieceTokenizer extends AbstractTokenizer {
    private static final int NOT_FROM_TEXT = Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_UNKNOWN;
    private static final int WORD_START = 0x2581;

    WordPieceTokenizer(Vocabulary vocab) {
        super(vocab);
    }

    @Override
    byte[] normalPiece(int id) {
        return vocab.texts[id].replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    @Override
    void encodePlain(String text, int start, int end, boolean afterSpecial, IntList out) {
        int[] cps = Utf8.codePoints(text, start, end);
        // the current word, as code points, starting with the word-start mark
        int[] word = new int[cps.length + 1];
        int wordLen = 0;
        for (int raw : cps) {
            int cp = vocab.stripAccents ? CodepointFlags.nfdFirst(raw) : raw;
            int flags = CodepointFlags.of(cp);
            if ((flags & CodepointFlags.WHITESPACE) != 0) {
                wordLen = flush(word, wordLen, out);
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || (flags & CodepointFlags.CONTROL) != 0) {
                continue;
            }
            if (vocab.stripAccents && (flags & CodepointFlags.MARK) != 0) {
                continue;
            }
            int c = vocab.lowercase ? CodepointFlags.toLower(cp) : cp;
            if ((flags & CodepointFlags.PUNCTUATION) != 0 || (cp < 0x7F && (flags & CodepointFlags.SYMBOL) != 0)
                    || isChineseCharacter(cp)) {
                wordLen = flush(word, wordLen, out);
                word[wordLen++] = c;
                wordLen = flush(word, wordLen, out);
            } else {
                word[wordLen++] = c;
            }
        }
        flush(word, wordLen, out);
    }

    /** Tokenizes the pending word (if any); returns the new (empty) word length. */
    private int flush(int[] word, int wordLen, IntList out) {
        if (wordLen == 0) {
            return 0;
        }
        int size = Utf8.length(WORD_START);
        for (int i = 0; i < wordLen; i++) {
            size += Utf8.length(word[i]);
        }
        byte[] bytes = new byte[size];
        int at = Utf8.put(bytes, 0, WORD_START);
        for (int i = 0; i < wordLen; i++) {
            at = Utf8.put(bytes, at, word[i]);
        }
        int mark = out.size();
        int maxLen = vocab.textToId.maxKeyLength();
        for (int i = 0; i < size; ) {
            int matched = -1;
            for (int j = Math.min(size, i + maxLen); j > i; j--) {
                int id = vocab.textToId.get(bytes, i, j - i);
                if (id >= 0 && (vocab.attrs[id] & NOT_FROM_TEXT) == 0) {
                    out.add(id);
                    matched = j;
                    break;
                }
            }
            if (matched < 0) {
                out.truncate(mark); // the word cannot be covered: all of it becomes [UNK]
                break;
            }
            i = matched;
        }
        if (out.size() == mark && vocab.unk >= 0) {
            out.add(vocab.unk);
        }
        return 0;
    }

    /** The CJK ranges of BERT's tokenizer (including its typo: U+2B920 instead of U+2B820). */
    private static boolean isChineseCharacter(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
