package dev.hearth.chat.tools;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A function call a model asked for.
 *
 * @param name the function's name
 * @param arguments its arguments, a JSON object as Java values ({@link JsonValue})
 */
public record ToolCall(String name, Map<String, Object> arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        arguments = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
    }

    /** The arguments as compact JSON text (OpenAI sends them as a string). */
    public String argumentsJson() {
        return JsonValue.write(arguments);
    }
}
