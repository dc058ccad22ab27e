package dev.hearth.gguf;

/**
 * A GGUF file is malformed, truncated, or not what the caller needs. The message names the problem (which
 * key or tensor, what was expected, what was found) and is meant for the user.
 */
public class GgufException extends RuntimeException {
    public GgufException(String message) {
        super(message);
    }

    public GgufException(String message, Throwable cause) {
        super(message, cause);
    }
}
