package dev.hearth.tokenizer;

import java.util.Arrays;

/**
 * A map from byte strings to non-negative ints that looks keys up straight from a span of a larger
 * array, so the merge loops never build a String or a copy to ask "is this piece in the vocabulary?".
 * Open addressing with linear probing; the first value put for a key wins.
 */
final class ByteSpanMap {
    private byte[][] keys;
    private int[] values;
    private int[] hashes;
    private int size;
    private int mask;
    private int maxKeyLength;

    ByteSpanMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new byte[cap][];
        values = new int[cap];
        hashes = new int[cap];
        mask = cap - 1;
    }

    int size() {
        return size;
    }

    /** Length of the longest key; spans longer than this are never present. */
    int maxKeyLength() {
        return maxKeyLength;
    }

    static int hash(byte[] a, int off, int len) {
        int h = 0x811C9DC5;
        for (int i = off, end = off + len; i < end; i++) {
            h = (h ^ (a[i] & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    /** The value for the span {@code a[off, off+len)}, or -1. */
    int get(byte[] a, int off, int len) {
        if (len > maxKeyLength) {
            return -1;
        }
        int h = hash(a, off, len);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte[] k = keys[i];
            if (k == null) {
                return -1;
            }
            if (hashes[i] == h && k.length == len && Arrays.equals(k, 0, len, a, off, off + len)) {
                return values[i];
            }
        }
    }

    int get(byte[] key) {
        return get(key, 0, key.length);
    }

    /** Adds {@code key -> value} unless the key is present; returns the value now stored for the key. */
    int putIfAbsent(byte[] key, int value) {
        int h = hash(key, 0, key.length);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte[] k = keys[i];
            if (k == null) {
                keys[i] = key;
                values[i] = value;
                hashes[i] = h;
                maxKeyLength = Math.max(maxKeyLength, key.length);
                if (++size * 2 > keys.length) {
                    grow();
                }
                return value;
            }
            if (hashes[i] == h && Arrays.equals(k, key)) {
                return values[i];
            }
        }
    }

    private void grow() {
        byte[][] oldKeys = keys;
        int[] oldValues = values;
        int[] oldHashes = hashes;
        int cap = oldKeys.length * 2;
        keys = new byte[cap][];
        values = new int[cap];
        hashes = new int[cap];
        mask = cap - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != null) {
                int i = oldHashes[j] & mask;
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
                hashes[i] = oldHashes[j];
            }
        }
    }
}
