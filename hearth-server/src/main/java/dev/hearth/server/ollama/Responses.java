package dev.hearth.server.ollama;

import dev.hearth.server.api.Json;
import dev.hearth.server.http.HttpExchange;
import java.io.IOException;
import tools.jackson.databind.JsonNode;

/** Writing JSON responses. */
public final class Responses {
    private Responses() {}

    public static final String JSON = "application/json; charset=utf-8";
    public static final String NDJSON = "application/x-ndjson";

    public static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        ex.send(status, JSON, Json.bytes(body));
    }
}
