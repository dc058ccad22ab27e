package dev.hearth.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * SentencePiece BPE as llama.cpp runs it ({@code llm_tokenizer_spm}): spaces become U+2581 "▁", a "▁" is
 * prefixed to text at the start and after special tokens ({@code add_space_prefix}), then, starting from
 * single characters, the adjacent pair whose concatenation is the vocabulary piece with the highest score is
 * merged, repeatedly (leftmost first among equal scores). Characters left over that are not pieces fall back to
 * their UTF-8 bytes as {@code <0xXX>} tokens.
 *
 * <p>There is no pre-splitting into words: the whole text is one merge problem, O(n log n) with the merge
 * queue. When the vocabulary allows it, the text is nevertheless cut before each word, which gives the same
 * result with small queues (see {@code wordsAreIndependent}). Control, unknown and byte pieces are never
 * produced from text: SentencePiece itself cannot produce them, and it keeps user text from turning into
 * control tokens.
 */
final class SentencePieceTokenizer extends AbstractTokenizer {
    private static final int NOT_FROM_TEXT = Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_UNKNOWN | Vocabulary.ATTR_BYTE;
    private static final byte[] SPACE_MARK = "\u2581".getBytes(StandardCharsets.UTF_8);

    /**
     * True when no piece text may produce contains "▁" right after another character than "▁". Then no merge
     * can reach across the start of a word ("▁" after a non-"▁"), and words can be merged one at a time with
     * exactly the result of merging the whole text at once, but with small queues.
     */
    private final boolean wordsAreIndependent;

    SentencePieceTokenizer(Vocabulary vocab) {
        this(vocab, true);
    }

    /** With {@code cutIntoWords} false the whole text is always one merge problem (tests compare both). */
    SentencePieceTokenizer(Vocabulary vocab, boolean cutIntoWords) {
        super(vocab);
        boolean independent = cutIntoWords;
        for (int id = 0; id < vocab.size() && independent; id++) {
            if ((vocab.attrs[id] & NOT_FROM_TEXT) != 0) {
                continue;
            }
            String t = vocab.texts[id];
            for (int i = t.indexOf('\u2581', 1); i > 0; i = t.indexOf('\u2581', i + 1)) {
                if (t.charAt(i - 1) != '\u2581') {
                    independent = false;
                    break;
                }
            }
        }
        wordsAreIndependent = independent;
    }

    @Override
    byte[] normalPiece(int id) {
        return vocab.texts[id].replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    /** The id of the piece {@code bytes[off, off+len)} if text may produce it, else -1. */
    private int pieceId(byte[] bytes, int off, int len) {
        int id = vocab.textToId.get(bytes, off, len);
        return id >= 0 && (vocab.attrs[id] & NOT_FROM_TEXT) == 0 ? id : -1;
    }

    @Override
    void encodePlain(String text, int start, int end, boolean afterSpecial, IntList out) {
        byte[] bytes = escapedUtf8(text, start, end, vocab.addSpacePrefix && afterSpecial);
        Merger merger = new Merger();
        if (!wordsAreIndependent) {
            merger.run(bytes, 0, bytes.length, out);
            return;
        }
        int from = 0;
        for (int p = 1; p + 2 < bytes.length; p++) {
            if (isSpaceMark(bytes, p) && !(p >= 3 && isSpaceMark(bytes, p - 3))) {
                merger.run(bytes, from, p, out);
                from = p;
            }
        }
        merger.run(bytes, from, bytes.length, out);
    }

    private static boolean isSpaceMark(byte[] b, int p) {
        return b[p] == SPACE_MARK[0] && b[p + 1] == SPACE_MARK[1] && b[p + 2] == SPACE_MARK[2];
    }

    /** The merge loop over one stretch of bytes; its arrays are reused from stretch to stretch. */
    private final class Merger {
        private int[] symStart = new int[64];
        private int[] symLen = new int[64];
        private int[] prev = new int[64];
        private int[] next = new int[64];
        private final BigramQueue queue = new BigramQueue();

        void run(byte[] bytes, int from, int to, IntList out) {
            int max = to - from;
            if (max > symStart.length) {
                int cap = Math.max(max, symStart.length * 2);
                symStart = new int[cap];
                symLen = new int[cap];
                prev = new int[cap];
                next = new int[cap];
            }
            // one symbol per UTF-8 character
            int count = 0;
            for (int off = from; off < to; ) {
                int len = Math.min(Utf8.sequenceLength(bytes[off]), to - off);
                symStart[count] = off;
                symLen[count] = len;
                count++;
                off += len;
            }
            if (count == 0) {
                return;
            }
            for (int i = 0; i < count; i++) {
                prev[i] = i - 1;
                next[i] = i + 1 < count ? i + 1 : -1;
            }
            queue.clear();
            for (int i = 1; i < count; i++) {
                offer(bytes, i - 1, i);
            }
            while (!queue.isEmpty()) {
                queue.poll();
                int l = BigramQueue.leftOf(queue.polledKey);
                int r = next[l];
                // stale: the left symbol was merged away, or one side grew since the pair was queued
                if (symLen[l] == 0 || r < 0 || symLen[l] + symLen[r] != queue.polledSize) {
                    continue;
                }
                symLen[l] += symLen[r];
                symLen[r] = 0;
                next[l] = next[r];
                if (next[r] >= 0) {
                    prev[next[r]] = l;
                }
                if (prev[l] >= 0) {
                    offer(bytes, prev[l], l);
                }
                if (next[l] >= 0) {
                    offer(bytes, l, next[l]);
                }
            }
            for (int i = 0; i >= 0; i = next[i]) {
                int id = pieceId(bytes, symStart[i], symLen[i]);
                if (id >= 0) {
                    out.add(id);
                    continue;
                }
                for (int b = symStart[i], e = symStart[i] + symLen[i]; b < e; b++) {
                    int byteId = vocab.byteTokens[bytes[b] & 0xFF];
                    if (byteId < 0) {
                        byteId = vocab.unk; // a vocabulary without byte fallback
                    }
                    if (byteId >= 0) {
                        out.add(byteId);
                    }
                }
            }
        }

        private void offer(byte[] bytes, int l, int r) {
            int len = symLen[l] + symLen[r];
            int id = pieceId(bytes, symStart[l], len);
            if (id >= 0) {
                queue.push(BigramQueue.spmKey(vocab.scores[id], l), len);
            }
        }
    }

    /** UTF-8 of the text with ' ' replaced by "▁", optionally prefixed with "▁". */
    private static byte[] escapedUtf8(String text, int start, int end, boolean prefix) {
        int[] cps = Utf8.codePoints(text, start, end);
        int size = prefix ? SPACE_MARK.length : 0;
        for (int cp : cps) {
            size += cp == ' ' ? SPACE_MARK.length : Utf8.length(cp);
        }
        byte[] out = new byte[size];
        int at = 0;
        if (prefix) {
            System.arraycopy(SPACE_MARK, 0, out, 0, SPACE_MARK.length);
            at = SPACE_MARK.length;
        }
        for (int cp : cps) {
            at = Utf8.put(out, at, cp == ' ' ? 0x2581 : cp);
        }
        return out;
    }
}
