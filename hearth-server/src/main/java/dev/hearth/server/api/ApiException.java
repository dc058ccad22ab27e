package dev.hearth.server.api;

/**
 * A request the server refuses, with the HTTP status and the message the client sees. Both APIs render it
 * in their own error shape ({@code {"error": "..."}} for Ollama, {@code {"error": {"message": ...}}} for
 * OpenAI).
 */
public class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    /** Ollama's wording for an unknown model, which clients match on (e.g. to offer a pull). */
    public static ApiException modelNotFound(String name) {
        return new ApiException(404, "model '" + name + "' not found");
    }

    public static ApiException busy(String message) {
        return new ApiException(503, message);
    }
}
