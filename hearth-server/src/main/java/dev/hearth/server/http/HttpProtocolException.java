package dev.hearth.server.http;

/**
 * A request that breaks HTTP/1.1 framing rules (RFC 9112) or our limits. Answered with {@code status} and a
 * JSON error, then the connection is closed: after a framing error the next request's start is unknown.
 */
final class HttpProtocolException extends Exception {
    final int status;

    HttpProtocolException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
