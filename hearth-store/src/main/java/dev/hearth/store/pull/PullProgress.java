package dev.hearth.store.pull;

import dev.hearth.store.Layer;

/**
 * What a pull tells its user. Calls come from the pulling thread only, so implementations need no locking.
 * The events map onto Ollama's pull progress stream ({@code status}, {@code digest}, {@code total},
 * {@code completed}), so a server can forward them as they are.
 */
public interface PullProgress {

    PullProgress NONE = new PullProgress() {};

    /** A step: "pulling manifest", "verifying sha256 digest", "writing manifest", "success". */
    default void status(String status) {}

    /** Bytes of {@code layer} present so far (called repeatedly while it downloads, and once when done). */
    default void layer(Layer layer, long completed) {}

    /** Something the user should know that does not stop the pull (memory fit, a retry, a wait). */
    default void warning(String message) {}
}
