package dev.hearth.engine;

/** Receives what a generation produces, as it is produced. All methods run on the generating thread. */
public interface GenerationListener {
    /** Logits after prompt position {@code index} ({@code logits[offset .. offset + vocab)}); only with promptLogits. */
    default void onPromptLogits(int index, float[] logits, int offset) {}

    /** The logits generation step {@code step} samples from, before penalties ({@code [offset, offset + vocab)}). */
    default void onGenerationLogits(int step, float[] logits, int offset) {}

    /** A generated token (its text follows through {@link #onText} once complete). */
    default void onToken(int token) {}

    /** Text to show, streamed: only whole characters, and never any part of a stop string. */
    default void onText(String text) {}

    /** Polled between tokens and prompt batches: return true to stop (a client went away, Ctrl+C). */
    default boolean cancelled() {
        return false;
    }
}
