package dev.hearth.store;

/**
 * What a pull or a create tells its user. Calls come from the thread that runs the operation only, so
 * implementations need no locking. The events map onto Ollama's progress stream ({@code status},
 * {@code digest}, {@code total}, {@code completed}), so a server can forward them as they are.
 */
public interface Progress {

    Progress NONE = new Progress() {};

    /** A step: "pulling manifest", "copying file", "writing manifest", "success". */
    default void status(String status) {}

    /** Bytes of {@code layer} present so far (called repeatedly while it is downloaded or copied, and once when done). */
    default void layer(Layer layer, long completed) {}

    /** Bytes of a local copy done so far (create copying a GGUF into the store). */
    default void copying(String what, long done, long total) {}

    /** Something the user should know that does not stop the pull (memory fit, a retry, a wait). */
    default void warning(String message) {}
}
