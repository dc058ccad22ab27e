package dev.hearth.store.modelfile;

/** A Modelfile that cannot be parsed or used; the message names the line. */
public final class ModelfileException extends IllegalArgumentException {
    public ModelfileException(String message) {
        super(message);
    }
}
