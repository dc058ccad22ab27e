package dev.hearth.tokenizer;

import java.util.Arrays;

/**
 * The work queue of the merge loops: candidate merges of a symbol with its right neighbour, best first.
 * Each entry is a 64-bit key, smallest first, whose high half is the priority (see {@link #bpeKey} and
 * {@link #spmKey}) and whose low half is the index of the left symbol, so that among equal priorities the
 * leftmost pair wins, which is the tie-break of llama.cpp's {@code llm_bigram_spm} / {@code llm_bigram_bpe}
 * comparators. Beside the key each entry keeps the byte length the merged symbol will have, which tells stale
 * entries apart (see the merge loops). A 4-ary heap over two primitive arrays, reused across words, so the
 * loops allocate nothing once warm. Four children per node: half the depth of a binary heap, and the
 * children share a cache line, which matters for the million-entry queues of very long words.
 */
final class BigramQueue {
    private long[] keys = new long[64];
    private int[] sizes = new int[64];
    private int n;

    /** The entry removed by the last {@link #poll()}. */
    long polledKey;
    int polledSize;

    /** BPE: lower merge rank first. */
    static long bpeKey(int rank, int left) {
        return ((long) rank << 32) | left;
    }

    /** SentencePiece: higher piece score first (scores compare as floats do: -0 equals 0, NaN is worst). */
    static long spmKey(float score, int left) {
        if (score == 0f) {
            score = 0f; // -0.0f
        } else if (Float.isNaN(score)) {
            score = Float.NEGATIVE_INFINITY;
        }
        int bits = Float.floatToRawIntBits(score);
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed order of ints = order of floats
        return ((long) ~ascending << 32) | left;
    }

    static int leftOf(long key) {
        return (int) key;
    }

    static int rankOf(long bpeKey) {
        return (int) (bpeKey >>> 32);
    }

    void clear() {
        n = 0;
    }

    boolean isEmpty() {
        return n == 0;
    }

    void push(long key, int size) {
        if (n == keys.length) {
            int cap = Math.addExact(n, n >> 1);
            keys = Arrays.copyOf(keys, cap);
            sizes = Arrays.copyOf(sizes, cap);
        }
        int i = n++;
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            if (keys[parent] <= key) {
                break;
            }
            keys[i] = keys[parent];
            sizes[i] = sizes[parent];
            i = parent;
        }
        keys[i] = key;
        sizes[i] = size;
    }

    /** Removes the smallest entry into {@link #polledKey} / {@link #polledSize}. */
    void poll() {
        polledKey = keys[0];
        polledSize = sizes[0];
        n--;
        if (n == 0) {
            return;
        }
        long key = keys[n];
        int size = sizes[n];
        int i = 0;
        while (true) {
            int first = 4 * i + 1;
            if (first >= n) {
                break;
            }
            int best = first;
            long bestKey = keys[first];
            for (int c = first + 1, last = Math.min(first + 4, n); c < last; c++) {
                if (keys[c] < bestKey) {
                    best = c;
                    bestKey = keys[c];
                }
            }
            if (key <= bestKey) {
                break;
            }
            keys[i] = bestKey;
            sizes[i] = sizes[best];
            i = best;
        }
        keys[i] = key;
        sizes[i] = size;
    }
}
