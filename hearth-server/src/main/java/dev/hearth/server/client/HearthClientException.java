package dev.hearth.server.client;

/** An error answer from the server: its HTTP status and its message. */
public final class HearthClientException extends RuntimeException {
    private final int status;

    public HearthClientException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
