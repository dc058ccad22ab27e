package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;

/** A tensor element type Hearth can read from a GGUF file but cannot compute with (yet). */
public class UnsupportedTensorTypeException extends RuntimeException {

    private final transient GgmlType type;

    public UnsupportedTensorTypeException(GgmlType type) {
        super("tensor type " + type + " is not supported yet");
        this.type = type;
    }

    /** The type that is not supported. */
    public GgmlType type() {
        return type;
    }
}
