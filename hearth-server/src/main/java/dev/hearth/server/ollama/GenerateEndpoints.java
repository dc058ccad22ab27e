package dev.hearth.server.ollama;

import dev.hearth.chat.tools.ToolCall;
import dev.hearth.chat.tools.ToolCallFormat;
import dev.hearth.chat.tools.ToolCallParser;
import dev.hearth.chat.tools.ToolCallStream;
import dev.hearth.engine.GenerationResult;
import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Fields;
import dev.hearth.server.api.Json;
import dev.hearth.server.api.RequestOptions;
import dev.hearth.server.http.HttpExchange;
import dev.hearth.server.models.ResolvedModel;
import dev.hearth.server.runtime.Completions;
import dev.hearth.server.runtime.Scheduler;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Ollama's generation endpoints: {@code /api/generate}, {@code /api/chat}, {@code /api/embed},
 * {@code /api/embeddings} and {@code GET /api/ps}. Streaming responses are NDJSON, one object per line,
 * {@code stream} defaulting to true.
 */
public final class GenerateEndpoints {
    private final Completions completions;
    private final ModelEndpoints models;

    public GenerateEndpoints(Completions completions, ModelEndpoints models) {
        this.completions = completions;
        this.models = models;
    }

    // ---- /api/generate ------------------------------------------------------------------------------------

    public void generate(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        Fields req = Fields.parse(ex.body());
        ResolvedModel model = completions.model(req.requiredString("model"), "model");
        String prompt = req.string("prompt").orElse("");
        boolean stream = req.bool("stream", true);
        boolean raw = req.bool("raw", false);
        Duration keepAlive = Completions.keepAlive(req);
        RequestOptions options = RequestOptions.resolve(req.object("options").orElse(null), model.params(), Map.of());
        rejectUnsupported(req, model);
        if (req.string("suffix").filter(s -> !s.isEmpty()).isPresent()) {
            throw ApiException.badRequest("model '" + model.displayName() + "' does not support insert ('suffix')");
        }
        int[] context = contextTokens(req);
        String system = req.string("system").orElse(null);
        String template = req.string("template").filter(t -> !t.isEmpty()).orElse(null);
        BooleanSupplier gone = ex::clientGone;

        if (prompt.isEmpty() && context.length == 0) {
            boolean loaded = completions.loadOnly(model, options, keepAlive, gone);
            ObjectNode o = header(model);
            o.put("response", "");
            o.put("done", true);
            o.put("done_reason", loaded ? "load" : "unload");
            Responses.json(ex, 200, o);
            return;
        }
        try (Completions.Session s = completions.open(model, options, keepAlive, gone, start)) {
            int[] promptTokens;
            if (raw) {
                promptTokens = s.prompts().raw(prompt);
            } else {
                List<Map<String, Object>> messages = new ArrayList<>();
                String sys = system != null ? system : model.system().orElse(null);
                if (sys != null && !sys.isEmpty()) {
                    messages.add(message("system", sys));
                }
                messages.add(message("user", prompt));
                var format = template != null ? s.prompts().withTemplate(template) : s.prompts();
                promptTokens = format.chat(messages, null, thinkVars(req));
            }
            if (context.length > 0) {
                int[] joined = new int[context.length + promptTokens.length];
                System.arraycopy(context, 0, joined, 0, context.length);
                System.arraycopy(promptTokens, 0, joined, context.length, promptTokens.length);
                promptTokens = joined;
            }
            Completions.checkFits(promptTokens, s.runner().contextLength());
            int[] finalPrompt = promptTokens;
            var generation = completions.submit(s, finalPrompt, gone, stream);
            if (!stream) {
                GenerationResult r = generation.finish(null);
                ObjectNode o = header(model);
                o.put("response", r.text());
                finish(o, r, s, start);
                o.set("context", contextOf(finalPrompt, r));
                Responses.json(ex, 200, o);
                return;
            }
            try (OutputStream out = ex.startStream(200, Responses.NDJSON)) {
                GenerationResult r;
                try {
                    r = generation.finish(piece -> {
                        ObjectNode o = header(model);
                        o.put("response", piece);
                        o.put("done", false);
                        line(out, o);
                    });
                } catch (ApiException e) {
                    line(out, Json.object().put("error", e.getMessage()));
                    return;
                }
                ObjectNode o = header(model);
                o.put("response", "");
                finish(o, r, s, start);
                o.set("context", contextOf(finalPrompt, r));
                line(out, o);
            }
        }
    }

    private static ArrayNode contextOf(int[] prompt, GenerationResult r) {
        ArrayNode a = Json.array();
        for (int t : prompt) {
            a.add(t);
        }
        for (int t : r.tokens()) {
            a.add(t);
        }
        return a;
    }

    /** The deprecated {@code context} field: token ids from an earlier response, continued from. */
    private static int[] contextTokens(Fields req) {
        var raw = req.raw("context");
        if (raw.isEmpty()) {
            return new int[0];
        }
        JsonNode a = raw.get();
        if (!a.isArray()) {
            throw req.wrongType("context", "an array of token ids");
        }
        if (a.size() > RequestOptions.MAX_CONTEXT) {
            throw ApiException.badRequest("'context' has more than " + RequestOptions.MAX_CONTEXT + " tokens");
        }
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = a.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0) {
                throw ApiException.badRequest("'context[" + i + "]' must be a token id (a whole number, 0 or more)");
            }
            out[i] = t.intValue(); // ids beyond the vocabulary are refused by the engine with a 400
        }
        return out;
    }

    // ---- /api/chat ----------------------------------------------------------------------------------------

    public void chat(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        Fields req = Fields.parse(ex.body());
        ResolvedModel model = completions.model(req.requiredString("model"), "model");
        boolean stream = req.bool("stream", true);
        Duration keepAlive = Completions.keepAlive(req);
        RequestOptions options = RequestOptions.resolve(req.object("options").orElse(null), model.params(), Map.of());
        rejectUnsupported(req, model);
        List<Map<String, Object>> messages = messages(req, model);
        List<Object> tools = tools(req);
        BooleanSupplier gone = ex::clientGone;

        if (req.objects("messages", Completions.MAX_MESSAGES).orElse(List.of()).isEmpty()) {
            boolean loaded = completions.loadOnly(model, options, keepAlive, gone);
            ObjectNode o = header(model);
            ObjectNode msg = o.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", "");
            o.put("done", true);
            o.put("done_reason", loaded ? "load" : "unload");
            Responses.json(ex, 200, o);
            return;
        }
        try (Completions.Session s = completions.open(model, options, keepAlive, gone, start)) {
            Completions.ChatPrompt chatPrompt = completions.chatPrompt(s, withModelDefaults(model, messages), tools, thinkVars(req));
            int[] prompt = chatPrompt.tokens();
            var generation = completions.submit(s, prompt, gone, stream);
            // With tools, output that may be a call is held back and parsed (see ToolCallStream).
            ToolCallStream calls = tools == null || tools.isEmpty() ? null
                    : new ToolCallStream(ToolCallFormat.forTemplate(s.prompts().templateSource()));
            if (!stream) {
                GenerationResult r = generation.finish(null);
                ObjectNode o = header(model);
                ObjectNode msg = o.putObject("message");
                msg.put("role", "assistant");
                if (calls != null) {
                    ToolCallParser.Parsed parsed = ToolCallParser.parse(r.text(),
                            ToolCallFormat.forTemplate(s.prompts().templateSource()));
                    msg.put("content", parsed.content());
                    if (parsed.hasCalls()) {
                        msg.set("tool_calls", toolCalls(parsed.calls()));
                    }
                } else {
                    msg.put("content", r.text());
                }
                finish(o, r, s, start);
                truncatedMessages(o, chatPrompt, model);
                Responses.json(ex, 200, o);
                return;
            }
            try (OutputStream out = ex.startStream(200, Responses.NDJSON)) {
                GenerationResult r;
                try {
                    r = generation.finish(piece -> {
                        String content = calls == null ? piece : calls.feed(piece);
                        if (!content.isEmpty()) {
                            line(out, chatChunk(model, content, null));
                        }
                    });
                } catch (ApiException e) {
                    line(out, Json.object().put("error", e.getMessage()));
                    return;
                }
                if (calls != null) {
                    ToolCallParser.Parsed parsed = calls.finish();
                    if (!parsed.content().isEmpty()) {
                        line(out, chatChunk(model, parsed.content(), null));
                    }
                    if (parsed.hasCalls()) {
                        line(out, chatChunk(model, "", toolCalls(parsed.calls())));
                    }
                }
                ObjectNode o = header(model);
                ObjectNode msg = o.putObject("message");
                msg.put("role", "assistant");
                msg.put("content", "");
                finish(o, r, s, start);
                truncatedMessages(o, chatPrompt, model);
                line(out, o);
            }
        }
    }

    /**
     * Hearth extension: how many of the request's own messages were dropped to fit the context (the model's
     * MESSAGES layer comes first, so it is dropped first and not counted), so a client can drop them too.
     */
    private static void truncatedMessages(ObjectNode o, Completions.ChatPrompt prompt, ResolvedModel model) {
        int fromRequest = prompt.droppedMessages() - model.messages().size();
        if (fromRequest > 0) {
            o.put("truncated_messages", fromRequest);
        }
    }

    private static ObjectNode chatChunk(ResolvedModel model, String content, ArrayNode toolCalls) {
        ObjectNode o = header(model);
        ObjectNode msg = o.putObject("message");
        msg.put("role", "assistant");
        msg.put("content", content);
        if (toolCalls != null) {
            msg.set("tool_calls", toolCalls);
        }
        o.put("done", false);
        return o;
    }

    /** Ollama's {@code tool_calls}: {@code [{"function": {"index", "name", "arguments": {...}}}]}. */
    static ArrayNode toolCalls(List<ToolCall> calls) {
        ArrayNode a = Json.array();
        for (int i = 0; i < calls.size(); i++) {
            ObjectNode fn = a.addObject().putObject("function");
            fn.put("index", i);
            fn.put("name", calls.get(i).name());
            fn.set("arguments", Json.mapper().valueToTree(calls.get(i).arguments()));
        }
        return a;
    }

    /** The model's MESSAGES layer first, and its SYSTEM unless the conversation has a system message. */
    private static List<Map<String, Object>> withModelDefaults(ResolvedModel model, List<Map<String, Object>> messages) {
        List<Map<String, Object>> out = new ArrayList<>();
        boolean hasSystem = messages.stream().anyMatch(m -> "system".equals(m.get("role")));
        if (!hasSystem && model.system().filter(s -> !s.isEmpty()).isPresent()) {
            out.add(message("system", model.system().get()));
        }
        for (ObjectNode m : model.messages()) {
            out.add(Completions.toJava(m));
        }
        out.addAll(messages);
        return out;
    }

    /** The roles of Ollama's chat API. */
    private static final java.util.Set<String> OLLAMA_ROLES = java.util.Set.of("system", "user", "assistant", "tool");

    /**
     * Validates Ollama chat messages and turns them into plain maps for the template. Ollama's tool calls and
     * results carry no ids, but some templates require them (Mistral's: nine letters or digits, and each
     * result names its call), so calls without one get {@code call00001}, {@code call00002}... and a tool
     * result without {@code tool_call_id} gets the id of the oldest unanswered call (of its tool, if named).
     */
    static List<Map<String, Object>> messages(Fields req, ResolvedModel model) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<String[]> unanswered = new ArrayList<>(); // {id, function name}
        int callNumber = 0;
        int index = -1;
        for (Fields m : req.objects("messages", Completions.MAX_MESSAGES).orElse(List.of())) {
            index++;
            String role = m.requiredString("role");
            if (!OLLAMA_ROLES.contains(role)) {
                // Ollama passes any role to the template, which then silently drops the message; say so instead.
                throw ApiException.badRequest("'messages[" + index + "].role': unknown role '"
                        + Fields.printable(role)
                        + "'; expected one of system, user, assistant, tool");
            }
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("role", role);
            msg.put("content", m.string("content").orElse(""));
            if (m.strings("images", 1000).filter(l -> !l.isEmpty()).isPresent()) {
                throw ApiException.badRequest("model '" + model.displayName() + "' does not support images: it is a text model");
            }
            m.string("thinking").ifPresent(t -> msg.put("thinking", t));
            m.string("tool_name").ifPresent(t -> msg.put("tool_name", t));
            m.string("name").ifPresent(t -> msg.put("name", t));
            m.string("tool_call_id").ifPresent(t -> msg.put("tool_call_id", t));
            var calls = m.objects("tool_calls", 1000);
            if (calls.isPresent()) {
                List<Object> list = new ArrayList<>();
                for (Fields call : calls.get()) {
                    Fields fn = call.object("function").orElseThrow(() -> call.wrongType("function", "an object"));
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("name", fn.requiredString("name"));
                    JsonNode args = fn.raw("arguments").orElse(Json.object());
                    f.put("arguments", Json.mapper().convertValue(args, Object.class));
                    Map<String, Object> c = new LinkedHashMap<>();
                    callNumber++;
                    String id = call.string("id").orElse(String.format("call%05d", callNumber % 100_000));
                    c.put("id", id);
                    c.put("type", "function");
                    c.put("function", f);
                    list.add(c);
                    unanswered.add(new String[] {id, (String) f.get("name")});
                }
                msg.put("tool_calls", list);
            }
            if (role.equals("tool") && !msg.containsKey("tool_call_id") && !unanswered.isEmpty()) {
                Object tool = msg.containsKey("tool_name") ? msg.get("tool_name") : msg.get("name");
                int pick = 0;
                for (int i = 0; i < unanswered.size(); i++) {
                    if (unanswered.get(i)[1].equals(tool)) {
                        pick = i;
                        break;
                    }
                }
                msg.put("tool_call_id", unanswered.remove(pick)[0]);
            }
            out.add(msg);
        }
        return out;
    }

    static List<Object> tools(Fields req) {
        var raw = req.raw("tools");
        if (raw.isEmpty()) {
            return null;
        }
        if (!raw.get().isArray()) {
            throw req.wrongType("tools", "an array of tool definitions");
        }
        List<Object> out = new ArrayList<>();
        for (Fields t : req.objects("tools", 1000).orElse(List.of())) {
            out.add(Completions.toJava(t.node()));
        }
        return out;
    }

    /** Requests a text model cannot serve yet: images, structured output. */
    static void rejectUnsupported(Fields req, ResolvedModel model) {
        if (req.strings("images", 1000).filter(l -> !l.isEmpty()).isPresent()) {
            throw ApiException.badRequest("model '" + model.displayName() + "' does not support images: it is a text model");
        }
        var format = req.raw("format");
        if (format.isPresent() && !(format.get().isString() && format.get().stringValue().isEmpty())) {
            throw ApiException.badRequest("'format' (structured output) is not supported yet");
        }
    }

    /** {@code think}: passed to templates that support it as {@code enable_thinking}. */
    static Map<String, Object> thinkVars(Fields req) {
        var think = req.raw("think");
        if (think.isEmpty()) {
            return Map.of();
        }
        if (think.get().isBoolean()) {
            return Map.of("enable_thinking", think.get().booleanValue());
        }
        if (think.get().isString()) { // "low", "medium", "high" for models with thinking levels
            return Map.of("enable_thinking", true, "reasoning_effort", think.get().stringValue());
        }
        throw req.wrongType("think", "true, false or a level");
    }

    static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    // ---- embeddings ---------------------------------------------------------------------------------------

    /** {@code POST /api/embed}: {@code input} is a string or an array of strings. */
    public void embed(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        Fields req = Fields.parse(ex.body());
        ResolvedModel model = completions.model(req.requiredString("model"), "model");
        List<String> inputs = req.stringOrStrings("input", 10_000).orElse(List.of());
        boolean truncate = req.bool("truncate", true);
        int dimensions = (int) req.integer("dimensions", 1, 1 << 20).orElse(0);
        Duration keepAlive = Completions.keepAlive(req);
        RequestOptions options = RequestOptions.resolve(req.object("options").orElse(null), model.params(), Map.of());
        ObjectNode o = Json.object();
        o.put("model", model.displayName());
        ArrayNode embeddings = o.putArray("embeddings");
        if (inputs.isEmpty()) {
            completions.loadOnly(model, options, keepAlive, ex::clientGone);
            Responses.json(ex, 200, o);
            return;
        }
        try (Completions.Session s = completions.open(model, options, keepAlive, ex::clientGone, start)) {
            Completions.Embeddings e = completions.embed(s, inputs, truncate, dimensions);
            for (float[] v : e.vectors()) {
                ArrayNode a = embeddings.addArray();
                for (float x : v) {
                    a.add(x);
                }
            }
            o.put("total_duration", System.nanoTime() - start);
            o.put("load_duration", s.lease().loadNanos());
            o.put("prompt_eval_count", e.promptTokens());
            Responses.json(ex, 200, o);
        }
    }

    /** {@code POST /api/embeddings} (the older endpoint): one {@code prompt}, one {@code embedding}. */
    public void embeddings(HttpExchange ex) throws IOException {
        Fields req = Fields.parse(ex.body());
        ResolvedModel model = completions.model(req.requiredString("model"), "model");
        String prompt = req.string("prompt").orElse("");
        Duration keepAlive = Completions.keepAlive(req);
        RequestOptions options = RequestOptions.resolve(req.object("options").orElse(null), model.params(), Map.of());
        ObjectNode o = Json.object();
        ArrayNode embedding = o.putArray("embedding");
        if (prompt.isEmpty()) {
            completions.loadOnly(model, options, keepAlive, ex::clientGone);
            Responses.json(ex, 200, o);
            return;
        }
        try (Completions.Session s = completions.open(model, options, keepAlive, ex::clientGone, System.nanoTime())) {
            float[] v = completions.embed(s, List.of(prompt), true, 0).vectors().getFirst();
            for (float x : v) {
                embedding.add(x);
            }
            Responses.json(ex, 200, o);
        }
    }

    // ---- /api/ps --------------------------------------------------------------------------------------------

    public void ps(HttpExchange ex) throws IOException {
        ObjectNode root = Json.object();
        ArrayNode list = root.putArray("models");
        Scheduler scheduler = completions.scheduler();
        for (Scheduler.Loaded l : scheduler.loaded()) {
            ObjectNode o = list.addObject();
            o.put("name", l.model().displayName());
            o.put("model", l.model().displayName());
            o.put("size", l.sizeBytes());
            o.put("digest", l.model().model().manifestDigest().hex());
            o.set("details", models.details(l.model().model()));
            Instant expires = l.expiresAt();
            if (expires == null) {
                // In use (expiry starts when the last request ends) or kept forever.
                expires = l.activeRequests() > 0 ? Instant.now().plus(scheduler.config().keepAlive())
                        : Instant.parse("2318-01-01T00:00:00Z");
            }
            o.put("expires_at", ModelEndpoints.timestamp(expires));
            o.put("size_vram", 0);
            o.put("context_length", l.contextLength());
        }
        Responses.json(ex, 200, root);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static ObjectNode header(ResolvedModel model) {
        ObjectNode o = Json.object();
        o.put("model", model.displayName());
        o.put("created_at", ModelEndpoints.timestamp(Instant.now()));
        return o;
    }

    /** The closing fields of a response: reason and timings (nanoseconds). */
    private static void finish(ObjectNode o, GenerationResult r, Completions.Session s, long start) {
        o.put("done", true);
        o.put("done_reason", r.doneReason().equals("length") ? "length" : "stop");
        o.put("total_duration", System.nanoTime() - start);
        o.put("load_duration", s.lease().loadNanos());
        o.put("prompt_eval_count", r.promptTokensEvaluated());
        o.put("prompt_eval_duration", r.promptNanos());
        o.put("eval_count", r.tokens().length);
        o.put("eval_duration", r.evalNanos());
    }

    static void line(OutputStream out, ObjectNode o) throws IOException {
        out.write(Json.bytes(o));
        out.write('\n');
        out.flush();
    }
}
