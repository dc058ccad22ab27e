package dev.hearth.store;

/** A model name that breaks the naming rules; thrown before any file or network access. */
public final class InvalidModelNameException extends IllegalArgumentException {
    public InvalidModelNameException(String message) {
        super(message);
    }
}
