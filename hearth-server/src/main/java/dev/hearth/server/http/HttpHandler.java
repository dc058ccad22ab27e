package dev.hearth.server.http;

/**
 * Answers one request. Runs on the connection's virtual thread, so it may block (on I/O, on a generation)
 * as long as it needs; it must respond through the exchange before returning. An exception thrown before
 * the response is committed becomes a 500 JSON error; after, the connection is closed.
 */
@FunctionalInterface
public interface HttpHandler {
    void handle(HttpExchange exchange) throws Exception;
}
