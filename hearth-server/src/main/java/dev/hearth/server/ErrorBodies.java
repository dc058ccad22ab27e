package dev.hearth.server;

import dev.hearth.server.api.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * Error bodies in the shape each API's clients parse: Ollama's {@code {"error": "message"}}, and OpenAI's
 * {@code {"error": {"message", "type", "param", "code"}}} for paths under {@code /v1/}.
 */
final class ErrorBodies {
    private ErrorBodies() {}

    static boolean isOpenAi(String path) {
        return path.startsWith("/v1/") || path.equals("/v1");
    }

    static String json(String path, int status, String message) {
        ObjectNode root = Json.object();
        if (isOpenAi(path)) {
            ObjectNode error = root.putObject("error");
            error.put("message", message);
            error.put("type", openAiType(status));
            error.putNull("param");
            if (status == 404 && message.startsWith("model ")) {
                error.put("code", "model_not_found");
            } else if (status == 401) {
                error.put("code", "invalid_api_key");
            } else {
                error.putNull("code");
            }
        } else {
            root.put("error", message);
        }
        return Json.write(root);
    }

    private static String openAiType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 503 -> "server_overloaded";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }
}
