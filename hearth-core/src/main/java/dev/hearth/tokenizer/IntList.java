package dev.hearth.tokenizer;

import java.util.Arrays;

/** A growable list of ints (token ids, segment lengths) without boxing. */
final class IntList {
    private int[] a;
    private int n;

    IntList(int capacity) {
        a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, Math.addExact(a.length, a.length >> 1) + 1);
        }
        a[n++] = v;
    }

    int get(int i) {
        return a[i];
    }

    void set(int i, int v) {
        a[i] = v;
    }

    int size() {
        return n;
    }

    /** Drops everything from index {@code size} on. */
    void truncate(int size) {
        n = Math.min(n, size);
    }

    void clear() {
        n = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
