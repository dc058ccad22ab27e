package dev.hearth.server.prompt;

import dev.hearth.server.api.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data Ollama gives its Go chat templates, built from a request's messages and tools (already protected
 * by the {@link ControlTokenGuard}): Go field names ({@code .Role}, {@code .Content}, {@code .ToolCalls},
 * {@code .Function.Name}...), consecutive messages of one role merged and the system messages collected
 * into {@code .System}, as Ollama's {@code template.collate} does.
 */
final class GoTemplateValues {
    private GoTemplateValues() {}

    /** Top-level values for a template that reads {@code .Messages}. */
    static Map<String, Object> forMessages(List<Map<String, Object>> messages, List<Object> tools,
            Map<String, Object> extra) {
        List<Map<String, Object>> collated = collate(messages);
        List<String> system = new ArrayList<>();
        for (Map<String, Object> m : messages) {
            if ("system".equals(m.get("role"))) {
                system.add(text(m.get("content")));
            }
        }
        List<Object> goMessages = new ArrayList<>();
        for (Map<String, Object> m : collated) {
            goMessages.add(message(m));
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("System", String.join("\n\n", system));
        v.put("Messages", goMessages);
        v.put("Tools", tools(tools));
        v.put("Response", "");
        addThink(v, extra);
        return v;
    }

    /** Top-level values of one round of Ollama's legacy mode ({@code .System}, {@code .Prompt}, {@code .Response}). */
    static Map<String, Object> forRound(String system, String prompt, String response, List<Object> tools,
            Map<String, Object> extra) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("System", system);
        v.put("Prompt", prompt);
        v.put("Response", response);
        v.put("Tools", tools(tools));
        addThink(v, extra);
        return v;
    }

    static List<Map<String, Object>> collate(List<Map<String, Object>> messages) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> m : messages) {
            Object role = m.get("role");
            if (!out.isEmpty() && !"tool".equals(role) && role != null && role.equals(out.getLast().get("role"))) {
                Map<String, Object> merged = new LinkedHashMap<>(out.getLast());
                merged.put("content", text(merged.get("content")) + "\n\n" + text(m.get("content")));
                out.set(out.size() - 1, merged);
            } else {
                out.add(m);
            }
        }
        return out;
    }

    private static void addThink(Map<String, Object> v, Map<String, Object> extra) {
        Object think = extra.get("enable_thinking");
        v.put("Think", Boolean.TRUE.equals(think));
        v.put("IsThinkSet", think != null);
        v.put("ThinkLevel", "");
    }

    private static Map<String, Object> message(Map<String, Object> m) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("Role", text(m.get("role")));
        g.put("Content", text(m.get("content")));
        g.put("Thinking", text(m.get("thinking")));
        Object toolName = m.get("tool_name") != null ? m.get("tool_name") : m.get("name");
        g.put("ToolName", text(toolName));
        g.put("ToolCallID", text(m.get("tool_call_id")));
        List<Object> calls = new ArrayList<>();
        if (m.get("tool_calls") instanceof List<?> list) {
            int index = 0;
            for (Object c : list) {
                if (c instanceof Map<?, ?> call && call.get("function") instanceof Map<?, ?> fn) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("Index", index++);
                    f.put("Name", text(fn.get("name")));
                    Object args = fn.get("arguments");
                    f.put("Arguments", args == null ? Map.of() : args);
                    f.put(GoTemplate.JSON_KEY, json(fn));
                    Map<String, Object> gc = new LinkedHashMap<>();
                    gc.put("Function", f);
                    gc.put(GoTemplate.JSON_KEY, json(call));
                    calls.add(gc);
                }
            }
        }
        g.put("ToolCalls", calls);
        return g;
    }

    /** Ollama's api.Tool with Go field names; each tool and function prints as its JSON, as in Ollama. */
    private static List<Object> tools(List<Object> tools) {
        List<Object> out = new ArrayList<>();
        if (tools == null) {
            return out;
        }
        for (Object t : tools) {
            if (!(t instanceof Map<?, ?> tool)) {
                continue;
            }
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("Type", text(tool.get("type")));
            Map<String, Object> f = new LinkedHashMap<>();
            if (tool.get("function") instanceof Map<?, ?> fn) {
                f.put("Name", text(fn.get("name")));
                f.put("Description", text(fn.get("description")));
                Map<String, Object> p = new LinkedHashMap<>();
                if (fn.get("parameters") instanceof Map<?, ?> params) {
                    p.put("Type", text(params.get("type")));
                    p.put("Required", params.get("required") instanceof List<?> r ? r : List.of());
                    Map<String, Object> props = new LinkedHashMap<>();
                    if (params.get("properties") instanceof Map<?, ?> ps) {
                        for (Map.Entry<?, ?> e : ps.entrySet()) {
                            Map<String, Object> prop = new LinkedHashMap<>();
                            if (e.getValue() instanceof Map<?, ?> pv) {
                                prop.put("Type", pv.get("type"));
                                prop.put("Description", text(pv.get("description")));
                                prop.put("Enum", pv.get("enum") instanceof List<?> en ? en : List.of());
                                prop.put(GoTemplate.JSON_KEY, json(pv));
                            }
                            props.put(String.valueOf(e.getKey()), prop);
                        }
                    }
                    p.put("Properties", props);
                    p.put(GoTemplate.JSON_KEY, json(params));
                }
                f.put("Parameters", p);
                f.put(GoTemplate.JSON_KEY, json(fn));
            }
            g.put("Function", f);
            g.put(GoTemplate.JSON_KEY, json(tool));
            out.add(g);
        }
        return out;
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    private static String json(Object value) {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (RuntimeException e) {
            return "{}";
        }
    }
}
