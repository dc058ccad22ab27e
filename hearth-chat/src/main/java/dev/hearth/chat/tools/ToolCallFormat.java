package dev.hearth.chat.tools;

/**
 * How a model family writes tool calls in its output.
 *
 * <ul>
 * <li>{@link #HERMES}: Hermes, Qwen 2.5/3: {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>},
 *     one block per call, possibly after some text.
 * <li>{@link #LLAMA3_JSON}: Llama 3.1-3.3 JSON tool calling: the whole answer is
 *     {@code {"name": ..., "parameters": {...}}} (after {@code <|python_tag|>}, a control token that does
 *     not reach the text); several calls are separated by {@code ;} or new lines.
 * <li>{@link #MISTRAL}: {@code [TOOL_CALLS] [{"name": ..., "arguments": {...}}]}, or the newer
 *     {@code [TOOL_CALLS]name[ARGS]{...}}. {@code [TOOL_CALLS]} and {@code [ARGS]} may be control tokens
 *     that do not reach the text, leaving the JSON array, or {@code name{...}}.
 * <li>{@link #GENERIC}: a template that shows none of these: any of the above is accepted.
 * </ul>
 */
public enum ToolCallFormat {
    HERMES,
    LLAMA3_JSON,
    MISTRAL,
    GENERIC;

    /** The format a chat template asks for (null or unknown templates: {@link #GENERIC}). */
    public static ToolCallFormat forTemplate(String template) {
        if (template == null) {
            return GENERIC;
        }
        if (template.contains("<tool_call>")) {
            return HERMES;
        }
        if (template.contains("[TOOL_CALLS]")) {
            return MISTRAL;
        }
        if (template.contains("<|python_tag|>") || (template.contains("<|start_header_id|>") && template.contains("tools"))) {
            return LLAMA3_JSON;
        }
        return GENERIC;
    }

    /** Whether output in this format may open with a bare JSON value that is a tool call. */
    boolean jsonAtStart() {
        return this != HERMES;
    }

    /** Whether output in this format may hold {@code <tool_call>} blocks. */
    boolean tagged() {
        return this == HERMES || this == GENERIC;
    }
}
