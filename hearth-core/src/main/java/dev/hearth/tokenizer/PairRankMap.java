package dev.hearth.tokenizer;

/**
 * BPE merge ranks keyed by the pair (left piece id, right piece id), packed into a long. Open addressing
 * with linear probing over primitive arrays: the merge loop asks this once per candidate pair, so it
 * must not box. The first rank put for a pair wins, as with llama.cpp's {@code bpe_ranks.emplace}.
 */
final class PairRankMap {
    private static final long EMPTY = -1L; // piece ids are non-negative, so no real key is -1
    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    PairRankMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        java.util.Arrays.fill(keys, EMPTY);
        values = new int[cap];
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** The rank of merging {@code left} with {@code right}, or -1. */
    int get(int left, int right) {
        if (left < 0 || right < 0) {
            return -1;
        }
        long k = key(left, right);
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            long s = keys[i];
            if (s == k) {
                return values[i];
            }
            if (s == EMPTY) {
                return -1;
            }
        }
    }

    /** Returns false (and keeps the old rank) when the pair is already present. */
    boolean putIfAbsent(int left, int right, int rank) {
        long k = key(left, right);
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            long s = keys[i];
            if (s == k) {
                return false;
            }
            if (s == EMPTY) {
                keys[i] = k;
                values[i] = rank;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return true;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        java.util.Arrays.fill(keys, EMPTY);
        values = new int[keys.length];
        mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = slot(oldKeys[j], mask);
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }
}
