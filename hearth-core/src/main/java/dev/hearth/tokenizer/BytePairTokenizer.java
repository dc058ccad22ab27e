package dev.hearth.tokenizer;

import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufKeys;
import dev.hearth.gguf.GgufValue;
import dev.hearth.gguf.GgufValueType;
import java.util.Arrays;

/**
 * Byte-level BPE (GPT-2 style) as llama.cpp runs it ({@code llm_tokenizer_bpe}): the text is split into
 * words by the {@link PreTokenizer}, each word's UTF-8 bytes start as one symbol per byte, and the adjacent
 * pair with the lowest rank in {@code tokenizer.ggml.merges} is merged, repeatedly (leftmost first among
 * equal ranks). Symbols that are not vocabulary pieces at the end fall back to one token per byte.
 *
 * <p>Vocabulary pieces and merges are stored in GPT-2's byte-to-character form ({@link ByteLevel}); they are
 * decoded to raw bytes once, here, so the merge loop works on bytes and piece ids without building strings.
 * A merge whose halves or result are not vocabulary pieces (vocabularies cut short, as in test models) still
 * takes part: every string a merge mentions gets a piece id, only pieces that are tokens are emitted.
 */
final class BytePairTokenizer extends AbstractTokenizer {
    private static final int NOT_FROM_TEXT = Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_UNKNOWN;

    private final PreTokenizer preTokenizer;
    /** Raw bytes of every vocabulary piece and every merge operand/result -> piece id (token ids first). */
    private final ByteSpanMap pieceIds;
    /** Piece id -> the token text may produce for it, or -1. */
    private final int[] pieceToken;
    private final PairRankMap ranks;
    /** Merge rank -> piece id of the merged string. */
    private final int[] mergeResult;
    private final int[] bytePiece = new int[256];
    private final int[] byteToken = new int[256];

    BytePairTokenizer(Vocabulary vocab, GgufFile file) {
        super(vocab);
        this.preTokenizer = vocab.preTokenizer;
        int n = vocab.size();
        pieceIds = new ByteSpanMap(n * 2);
        for (int id = 0; id < n; id++) {
            byte[] raw = ByteLevel.decodeStrict(vocab.texts[id]);
            if (raw != null && raw.length > 0) {
                pieceIds.putIfAbsent(raw, id);
            }
        }
        if (!file.has(GgufKeys.TOKENIZER_MERGES)) {
            throw new GgufException("byte-level BPE tokenizer without " + GgufKeys.TOKENIZER_MERGES);
        }
        GgufValue.GgufArray mergeArray = file.getArray(GgufKeys.TOKENIZER_MERGES);
        if (mergeArray.elementType() != GgufValueType.STRING) {
            throw new GgufException(GgufKeys.TOKENIZER_MERGES + " must be an array of strings, found an array of "
                    + mergeArray.elementType().gguf());
        }
        String[] merges = (String[]) mergeArray.elements();
        ranks = new PairRankMap(merges.length);
        mergeResult = new int[merges.length];
        int[] nextPiece = {n};
        for (int rank = 0; rank < merges.length; rank++) {
            String m = merges[rank];
            int space = m.indexOf(' ', 1);
            if (space < 0) {
                continue;
            }
            byte[] left = ByteLevel.decodeStrict(m.substring(0, space));
            byte[] right = ByteLevel.decodeStrict(m.substring(space + 1));
            if (left == null || right == null || left.length == 0 || right.length == 0) {
                continue; // mentions a character no byte maps to: can never apply
            }
            byte[] both = Arrays.copyOf(left, left.length + right.length);
            System.arraycopy(right, 0, both, left.length, right.length);
            int l = intern(left, nextPiece);
            int r = intern(right, nextPiece);
            int result = intern(both, nextPiece);
            if (ranks.putIfAbsent(l, r, rank)) {
                mergeResult[rank] = result;
            }
        }
        pieceToken = new int[nextPiece[0]];
        Arrays.fill(pieceToken, -1);
        for (int id = 0; id < n; id++) {
            byte[] raw = ByteLevel.decodeStrict(vocab.texts[id]);
            if (raw != null && raw.length > 0 && pieceIds.get(raw) == id && (vocab.attrs[id] & NOT_FROM_TEXT) == 0) {
                pieceToken[id] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            bytePiece[b] = pieceIds.get(new byte[] {(byte) b});
            byteToken[b] = bytePiece[b] >= 0 ? pieceToken[bytePiece[b]] : -1;
        }
    }

    private int intern(byte[] raw, int[] nextPiece) {
        int id = pieceIds.putIfAbsent(raw, nextPiece[0]);
        if (id == nextPiece[0]) {
            nextPiece[0] = Math.addExact(nextPiece[0], 1);
        }
        return id;
    }

    @Override
    byte[] normalPiece(int id) {
        return ByteLevel.decodeLenient(vocab.texts[id]);
    }

    @Override
    void encodePlain(String text, int start, int end, boolean afterSpecial, IntList out) {
        int[] cps = Utf8.codePoints(text, start, end);
        int n = cps.length;
        IntList words = preTokenizer.split(cps, n);
        int[] byteStart = new int[n + 1];
        int size = 0;
        for (int i = 0; i < n; i++) {
            byteStart[i] = size;
            size += Utf8.length(cps[i]);
        }
        byteStart[n] = size;
        byte[] bytes = new byte[size];
        for (int i = 0, at = 0; i < n; i++) {
            at = Utf8.put(bytes, at, cps[i]);
        }
        Merger merger = new Merger();
        int cp = 0;
        for (int w = 0; w < words.size(); w++) {
            int from = byteStart[cp];
            cp += words.get(w);
            int to = byteStart[cp];
            if (preTokenizer.ignoresMerges()) {
                int piece = pieceIds.get(bytes, from, to - from);
                if (piece >= 0 && pieceToken[piece] >= 0) {
                    out.add(pieceToken[piece]);
                    continue;
                }
            }
            merger.run(bytes, from, to, out);
        }
    }

    /** The merge loop over one word; its arrays are reused from word to word. */
    private final class Merger {
        private int[] piece = new int[64];
        private int[] len = new int[64];
        private int[] prev = new int[64];
        private int[] next = new int[64];
        private final BigramQueue queue = new BigramQueue();
        /** A small direct-mapped cache of merge ranks: repetitive text asks for the same pairs over and over. */
        private final long[] cachedPair = new long[1024];
        private final int[] cachedRank = new int[1024];

        Merger() {
            Arrays.fill(cachedPair, -1L);
        }

        void run(byte[] bytes, int from, int to, IntList out) {
            int m = to - from;
            if (m > piece.length) {
                int cap = Math.max(m, piece.length * 2);
                piece = new int[cap];
                len = new int[cap];
                prev = new int[cap];
                next = new int[cap];
            }
            // symbol i starts at byte from + i: merges only ever absorb the right neighbour
            for (int i = 0; i < m; i++) {
                piece[i] = bytePiece[bytes[from + i] & 0xFF];
                len[i] = 1;
                prev[i] = i - 1;
                next[i] = i + 1 < m ? i + 1 : -1;
            }
            queue.clear();
            for (int i = 1; i < m; i++) {
                offer(i - 1, i);
            }
            while (!queue.isEmpty()) {
                queue.poll();
                int l = BigramQueue.leftOf(queue.polledKey);
                int r = next[l];
                // stale: the left symbol was merged away, or one side grew since the pair was queued
                if (len[l] == 0 || r < 0 || len[l] + len[r] != queue.polledSize) {
                    continue;
                }
                len[l] += len[r];
                len[r] = 0;
                piece[l] = mergeResult[BigramQueue.rankOf(queue.polledKey)];
                next[l] = next[r];
                if (next[r] >= 0) {
                    prev[next[r]] = l;
                }
                if (prev[l] >= 0) {
                    offer(prev[l], l);
                }
                if (next[l] >= 0) {
                    offer(l, next[l]);
                }
            }
            for (int i = 0; i >= 0 && m > 0; i = next[i]) {
                int token = piece[i] >= 0 ? pieceToken[piece[i]] : -1;
                if (token >= 0) {
                    out.add(token);
                    continue;
                }
                for (int b = from + i, e = from + i + len[i]; b < e; b++) {
                    int t = byteToken[bytes[b] & 0xFF];
                    if (t >= 0) {
                        out.add(t);
                    }
                }
            }
        }

        private void offer(int l, int r) {
            int a = piece[l], b = piece[r];
            if (a < 0 || b < 0) {
                return;
            }
            long pair = ((long) a << 32) | b;
            int slot = (int) ((pair * 0x9E3779B97F4A7C15L) >>> 54);
            int rank;
            if (cachedPair[slot] == pair) {
                rank = cachedRank[slot];
            } else {
                rank = ranks.get(a, b);
                cachedPair[slot] = pair;
                cachedRank[slot] = rank;
            }
            if (rank >= 0) {
                queue.push(BigramQueue.bpeKey(rank, l), len[l] + len[r]);
            }
        }
    }
}
