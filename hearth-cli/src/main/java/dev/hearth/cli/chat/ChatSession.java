package dev.hearth.cli.chat;

import dev.hearth.server.api.Json;
import dev.hearth.server.client.HearthClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A conversation with one model over the Ollama chat API: the messages so far, an optional system prompt
 * and per-session options ({@code /set parameter}). The server applies the model's chat template; when
 * the conversation outgrows the context it drops the oldest turns and says how many in
 * {@code truncated_messages}, and the session drops them too so both stay in step.
 */
public final class ChatSession {
    /** One message: role is system, user or assistant. */
    public record Message(String role, String content) {}

    /** What one answer produced. */
    public record Answer(String content, boolean interrupted, int droppedMessages, JsonNode stats) {}

    private final HearthClient client;
    private String model;
    private String system;
    private final List<Message> messages = new ArrayList<>();
    private final Map<String, Object> options = new LinkedHashMap<>();
    private String keepAlive;
    private volatile HearthClient.Cancellation current;

    public ChatSession(HearthClient client, String model) {
        this.client = client;
        this.model = model;
    }

    public String model() {
        return model;
    }

    /** Switches model; the conversation is kept. */
    public void model(String name) {
        this.model = name;
    }

    /** Ollama's {@code keep_alive} sent with every request (null: the server's default). */
    public void keepAlive(String duration) {
        this.keepAlive = duration;
    }

    public String system() {
        return system;
    }

    public void system(String text) {
        this.system = text == null || text.isEmpty() ? null : text;
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    public void clear() {
        messages.clear();
    }

    public void add(Message m) {
        messages.add(m);
    }

    public Map<String, Object> options() {
        return options;
    }

    /** Loads the model (an empty chat), so the first answer does not pay for it and errors show early. */
    public void load() throws IOException {
        ObjectNode req = Json.object();
        req.put("model", model);
        req.putArray("messages");
        req.put("stream", false);
        if (keepAlive != null) {
            req.put("keep_alive", keepAlive);
        }
        client.post("/api/chat", req);
    }

    /** The model's details from {@code /api/show}. */
    public JsonNode show() throws IOException {
        ObjectNode req = Json.object();
        req.put("model", model);
        return client.post("/api/show", req);
    }

    /**
     * Sends {@code userText} and streams the answer's text to {@code onText}. An interrupted answer
     * ({@link #interrupt}) leaves the conversation as it was before the question.
     */
    public Answer ask(String userText, Consumer<String> onText) throws IOException {
        messages.add(new Message("user", userText));
        ObjectNode req = Json.object();
        req.put("model", model);
        ArrayNode ms = req.putArray("messages");
        if (system != null) {
            ms.addObject().put("role", "system").put("content", system);
        }
        for (Message m : messages) {
            ms.addObject().put("role", m.role()).put("content", m.content());
        }
        if (keepAlive != null) {
            req.put("keep_alive", keepAlive);
        }
        if (!options.isEmpty()) {
            ObjectNode o = req.putObject("options");
            options.forEach((k, v) -> o.putPOJO(k, v));
        }
        StringBuilder content = new StringBuilder();
        HearthClient.Cancellation cancellation = new HearthClient.Cancellation();
        current = cancellation;
        JsonNode last;
        try {
            last = client.stream("/api/chat", req, chunk -> {
                JsonNode msg = chunk.get("message");
                if (msg != null && msg.has("content")) {
                    String piece = msg.get("content").asString();
                    content.append(piece);
                    onText.accept(piece);
                }
            }, cancellation);
        } catch (IOException | RuntimeException e) {
            messages.removeLast();
            throw e;
        } finally {
            current = null;
        }
        if (last == null) {
            messages.removeLast();
            return new Answer(content.toString(), true, 0, null);
        }
        int dropped = last.path("truncated_messages").asInt(0);
        for (int i = 0; i < dropped && messages.size() > 1; i++) {
            messages.removeFirst();
        }
        messages.add(new Message("assistant", content.toString()));
        return new Answer(content.toString(), false, dropped, last);
    }

    /** Stops the answer being streamed (from another thread, e.g. on Ctrl+C). */
    public void interrupt() {
        HearthClient.Cancellation c = current;
        if (c != null) {
            c.cancel();
        }
    }

    /** Saves the session as a new model: the current model plus system prompt, parameters and messages. */
    public void save(String name) throws IOException {
        ObjectNode req = Json.object();
        req.put("model", name);
        req.put("from", model);
        if (system != null) {
            req.put("system", system);
        }
        if (!options.isEmpty()) {
            ObjectNode p = req.putObject("parameters");
            options.forEach((k, v) -> p.putPOJO(k, v));
        }
        ArrayNode ms = req.putArray("messages");
        for (Message m : messages) {
            ms.addObject().put("role", m.role()).put("content", m.content());
        }
        req.put("stream", false);
        client.post("/api/create", req);
    }
}
