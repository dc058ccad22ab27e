package dev.hearth.server.ollama;

import dev.hearth.chat.tools.ToolCall;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Test access to package-private helpers. */
public final class GenerateEndpointsAccess {
    private GenerateEndpointsAccess() {}

    public static JsonNode toolCalls(List<ToolCall> calls) {
        return GenerateEndpoints.toolCalls(calls);
    }
}
