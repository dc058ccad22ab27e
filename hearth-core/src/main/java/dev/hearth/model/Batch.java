package dev.hearth.model;

/**
 * The tokens of one forward pass: for each row a token, the sequence (KV cache slot) it belongs to, its
 * position in that sequence, and whether its logits are wanted. Rows of several sequences can share a
 * pass (continuous batching): every weight row is then read once for all of them. Reused between passes;
 * filling it allocates nothing.
 */
public final class Batch {
    final int[] tokens;
    final int[] slots;
    final int[] positions;
    final boolean[] wantLogits;
    int size;
    int logitRows;
    boolean hiddenOutput;

    public Batch(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be positive");
        }
        tokens = new int[capacity];
        slots = new int[capacity];
        positions = new int[capacity];
        wantLogits = new boolean[capacity];
    }

    public void clear() {
        size = 0;
        logitRows = 0;
        hiddenOutput = false;
    }

    /** Asks the pass for the final hidden state of every row (embeddings) instead of logits. */
    public void setHiddenOutput(boolean hidden) {
        this.hiddenOutput = hidden;
    }

    /** Adds a row; returns the logits row it will fill, or -1 when logits are not wanted. */
    public int add(int token, int slot, int position, boolean logits) {
        if (size == tokens.length) {
            throw new IllegalStateException("batch is full (" + size + " rows)");
        }
        tokens[size] = token;
        slots[size] = slot;
        positions[size] = position;
        wantLogits[size] = logits;
        size++;
        return logits ? logitRows++ : -1;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return tokens.length;
    }

    /** Rows whose logits are wanted. */
    public int logitRows() {
        return logitRows;
    }

    public boolean isFull() {
        return size == tokens.length;
    }
}
