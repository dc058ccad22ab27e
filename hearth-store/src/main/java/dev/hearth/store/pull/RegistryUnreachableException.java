package dev.hearth.store.pull;

import java.io.IOException;

/**
 * The registry (or the CDN it redirected to) could not be reached: connection refused or timed out, or no
 * TLS session. A pull gives up at once if this happens before anything was downloaded; parts of a blob
 * retry it, as networks drop connections mid-download.
 */
public final class RegistryUnreachableException extends IOException {
    public RegistryUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
