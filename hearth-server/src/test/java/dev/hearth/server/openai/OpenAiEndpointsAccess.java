package dev.hearth.server.openai;

import dev.hearth.chat.tools.ToolCall;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Test access to package-private helpers. */
public final class OpenAiEndpointsAccess {
    private OpenAiEndpointsAccess() {}

    public static JsonNode toolCalls(List<ToolCall> calls, boolean streamed) {
        return OpenAiEndpoints.toolCalls(calls, streamed);
    }
}
