package dev.hearth.store.pull;

import java.io.IOException;

/** A registry answered with an error status (or broke the protocol). */
public final class RegistryException extends IOException {
    private final int status;
    private final boolean retryable;

    public RegistryException(String message, int status, boolean retryable) {
        super(message);
        this.status = status;
        this.retryable = retryable;
    }

    /** The HTTP status, or 0 when the failure was not an HTTP status. */
    public int status() {
        return status;
    }

    /** True for failures worth another attempt (5xx, 429, 408). */
    public boolean retryable() {
        return retryable;
    }
}
