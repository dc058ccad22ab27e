package dev.hearth.server.http;

import java.time.Duration;

/**
 * Bounds on what one client may send and hold, so that no request can exhaust memory or threads.
 *
 * @param maxRequestLineBytes longest request line ({@code POST /api/chat HTTP/1.1})
 * @param maxHeaderBytes      all header lines of one request together
 * @param maxHeaders          header lines in one request
 * @param maxBodyBytes        largest request body read into memory
 * @param readTimeout         longest wait for the next bytes of a request that has started
 * @param idleTimeout         how long a kept-alive connection may wait for its next request
 * @param maxConnections      open connections; more are answered 503 and closed
 */
public record HttpLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaders, long maxBodyBytes,
        Duration readTimeout, Duration idleTimeout, int maxConnections) {

    /** Request bodies are JSON; 32 MiB holds a full 128k-token conversation several times over. */
    public static final HttpLimits DEFAULTS = new HttpLimits(8 * 1024, 64 * 1024, 128, 32L << 20,
            Duration.ofSeconds(30), Duration.ofMinutes(2), 1024);

    public HttpLimits {
        if (maxRequestLineBytes < 64 || maxHeaderBytes < 256 || maxHeaders < 4 || maxBodyBytes < 0 || maxConnections < 1) {
            throw new IllegalArgumentException("HTTP limits are too small");
        }
        if (readTimeout.isNegative() || readTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("HTTP timeouts must be positive");
        }
    }

    public HttpLimits withMaxBodyBytes(long bytes) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, maxHeaders, bytes, readTimeout, idleTimeout, maxConnections);
    }

    public HttpLimits withMaxConnections(int connections) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, maxHeaders, maxBodyBytes, readTimeout, idleTimeout, connections);
    }

    public HttpLimits withTimeouts(Duration read, Duration idle) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, maxHeaders, maxBodyBytes, read, idle, maxConnections);
    }
}
