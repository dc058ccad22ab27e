package dev.hearth.server.ollama;

import dev.hearth.chat.tools.ToolCall;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Test access to package-private helpers. */
public final class GenerateEndpointsAccess {
    private GenerateEndpointsAccess() {}

    /** The template's view of an Ollama chat request's messages (a text-only request: no model needed). */
    public static java.util.List<java.util.Map<String, Object>> messages(String requestJson) {
        return GenerateEndpoints.messages(dev.hearth.server.api.Fields.parse(
                requestJson.getBytes(java.nio.charset.StandardCharsets.UTF_8)), null);
    }

    public static JsonNode toolCalls(List<ToolCall> calls) {
        return GenerateEndpoints.toolCalls(calls);
    }
}
