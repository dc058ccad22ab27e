package dev.hearth.server.openai;

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
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.models.ResolvedModel;
import dev.hearth.server.ollama.Responses;
import dev.hearth.server.runtime.Completions;
import dev.hearth.server.runtime.Generation;
import dev.hearth.store.ModelName;
import dev.hearth.store.StoredModel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI API: {@code POST /v1/chat/completions}, {@code /v1/completions}, {@code /v1/embeddings},
 * {@code GET /v1/models} and {@code /v1/models/{id}}, with OpenAI's field names, defaults (temperature and
 * top_p 1) and server-sent-event streaming ending in {@code data: [DONE]}.
 */
public final class OpenAiEndpoints {
    private static final String FINGERPRINT = "fp_hearth";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final Completions completions;

    public OpenAiEndpoints(Completions completions) {
        this.completions = completions;
    }

    // ---- chat ---------------------------------------------------------------------------------------------

    public void chatCompletions(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        Fields req = Fields.parse(ex.body());
        String modelText = req.requiredString("model");
        ResolvedModel model = completions.model(modelText, "model");
        boolean stream = req.bool("stream", false);
        boolean includeUsage = req.object("stream_options").flatMap(o -> o.bool("include_usage")).orElse(false);
        rejectUnsupported(req, model);
        RequestOptions options = options(req, model);
        List<Map<String, Object>> messages = messages(req, model);
        if (messages.isEmpty()) {
            throw ApiException.badRequest("'messages' must contain at least one message");
        }
        List<Object> tools = tools(req);
        if (toolChoiceNone(req)) {
            tools = null; // the model must not call tools: it is not told about them
        }
        BooleanSupplier gone = ex::clientGone;
        try (Completions.Session s = completions.open(model, options, null, gone, start)) {
            int[] prompt = completions.chatPrompt(s, withModelDefaults(model, messages), tools, Map.of()).tokens();
            Generation g = completions.submit(s, prompt, gone, stream);
            String id = "chatcmpl-" + randomId();
            long created = System.currentTimeMillis() / 1000;
            ToolCallFormat format = ToolCallFormat.forTemplate(s.prompts().templateSource());
            ToolCallStream calls = tools == null || tools.isEmpty() ? null : new ToolCallStream(format);
            if (!stream) {
                GenerationResult r = g.finish(null);
                ObjectNode o = envelope(id, "chat.completion", created, modelText);
                ObjectNode choice = o.putArray("choices").addObject();
                choice.put("index", 0);
                ObjectNode msg = choice.putObject("message");
                msg.put("role", "assistant");
                ToolCallParser.Parsed parsed = calls == null ? new ToolCallParser.Parsed(r.text(), List.of())
                        : ToolCallParser.parse(r.text(), format);
                if (parsed.hasCalls()) {
                    if (parsed.content().isEmpty()) {
                        msg.putNull("content");
                    } else {
                        msg.put("content", parsed.content());
                    }
                    msg.set("tool_calls", toolCalls(parsed.calls(), false));
                } else {
                    msg.put("content", parsed.content());
                }
                choice.put("finish_reason", parsed.hasCalls() ? "tool_calls" : finishReason(r));
                choice.putNull("logprobs");
                o.set("usage", usage(r));
                Responses.json(ex, 200, o);
                return;
            }
            try (OutputStream out = startSse(ex)) {
                event(out, chunk(id, created, modelText, includeUsage,
                        choice(Json.object().put("role", "assistant").put("content", ""), null)));
                GenerationResult r;
                try {
                    r = g.finish(piece -> {
                        String content = calls == null ? piece : calls.feed(piece);
                        if (!content.isEmpty()) {
                            event(out, chunk(id, created, modelText, includeUsage, choice(Json.object().put("content", content), null)));
                        }
                    });
                } catch (ApiException e) {
                    streamError(out, e);
                    return;
                }
                boolean called = false;
                if (calls != null) {
                    ToolCallParser.Parsed parsed = calls.finish();
                    if (!parsed.content().isEmpty()) {
                        event(out, chunk(id, created, modelText, includeUsage,
                                choice(Json.object().put("content", parsed.content()), null)));
                    }
                    if (parsed.hasCalls()) {
                        called = true;
                        ObjectNode delta = Json.object();
                        delta.set("tool_calls", toolCalls(parsed.calls(), true));
                        event(out, chunk(id, created, modelText, includeUsage, choice(delta, null)));
                    }
                }
                event(out, chunk(id, created, modelText, includeUsage,
                        choice(Json.object(), called ? "tool_calls" : finishReason(r))));
                if (includeUsage) {
                    ObjectNode u = chunk(id, created, modelText, false, null);
                    u.set("usage", usage(r));
                    event(out, u);
                }
                out.write(DONE);
                out.flush();
            }
        }
    }

    /**
     * OpenAI's {@code tool_calls}: ids, type "function", arguments as a JSON string; streamed ones carry an
     * index. The ids are nine letters and digits: clients send them back with the results, and Mistral's
     * templates refuse any other shape.
     */
    static ArrayNode toolCalls(List<ToolCall> calls, boolean streamed) {
        ArrayNode a = Json.array();
        for (int i = 0; i < calls.size(); i++) {
            ObjectNode c = a.addObject();
            if (streamed) {
                c.put("index", i);
            }
            c.put("id", randomId().substring(0, 9));
            c.put("type", "function");
            ObjectNode fn = c.putObject("function");
            fn.put("name", calls.get(i).name());
            fn.put("arguments", calls.get(i).argumentsJson());
        }
        return a;
    }

    private static boolean toolChoiceNone(Fields req) {
        var choice = req.raw("tool_choice");
        return choice.isPresent() && choice.get().isString() && choice.get().stringValue().equals("none");
    }

    /** Validates OpenAI chat messages: content as a string or text parts; tool calls with JSON-string arguments. */
    static List<Map<String, Object>> messages(Fields req, ResolvedModel model) {
        List<Map<String, Object>> out = new ArrayList<>();
        int index = -1;
        for (Fields m : req.objects("messages", Completions.MAX_MESSAGES)
                .orElseThrow(() -> ApiException.badRequest("'messages' is required"))) {
            index++;
            String role = switch (m.requiredString("role")) {
                case "system", "user", "assistant", "tool" -> m.requiredString("role");
                case "developer" -> "system"; // OpenAI's newer name for the system role
                case "function" -> "tool"; // the deprecated form of a tool result, named by 'name'
                default -> throw ApiException.badRequest("'messages[" + index + "].role': unknown role '"
                        + Fields.printable(m.requiredString("role")) + "'; expected one of system, developer, user, assistant, "
                        + "tool, function");
            };
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("role", role);
            msg.put("content", content(m, model));
            m.string("name").ifPresent(n -> msg.put("name", n));
            m.string("tool_call_id").ifPresent(n -> msg.put("tool_call_id", n));
            var calls = m.objects("tool_calls", 1000);
            if (calls.isPresent()) {
                List<Object> list = new ArrayList<>();
                for (Fields call : calls.get()) {
                    Fields fn = call.object("function").orElseThrow(() -> call.wrongType("function", "an object"));
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("name", fn.requiredString("name"));
                    String args = fn.string("arguments").orElse("{}");
                    Object parsed;
                    try {
                        parsed = Json.mapper().readValue(args, Object.class);
                    } catch (RuntimeException e) {
                        parsed = args; // not JSON: templates get the text
                    }
                    f.put("arguments", parsed);
                    Map<String, Object> c = new LinkedHashMap<>();
                    call.string("id").ifPresent(i -> c.put("id", i));
                    c.put("type", "function");
                    c.put("function", f);
                    list.add(c);
                }
                msg.put("tool_calls", list);
            }
            out.add(msg);
        }
        return out;
    }

    private static String content(Fields m, ResolvedModel model) {
        Optional<JsonNode> raw = m.raw("content");
        if (raw.isEmpty()) {
            return "";
        }
        if (raw.get().isString()) {
            return raw.get().stringValue();
        }
        if (!raw.get().isArray()) {
            throw m.wrongType("content", "a string or an array of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (Fields part : m.objects("content", 10_000).orElse(List.of())) {
            String type = part.requiredString("type");
            switch (type) {
                case "text" -> text.append(part.string("text").orElse(""));
                case "image_url", "input_image", "image" -> throw ApiException.badRequest("model '"
                        + model.displayName() + "' does not support images: it is a text model");
                default -> throw ApiException.badRequest("content parts of type '" + type + "' are not supported");
            }
        }
        return text.toString();
    }

    private static List<Object> tools(Fields req) {
        if (req.raw("tools").isEmpty()) {
            return null;
        }
        List<Object> out = new ArrayList<>();
        for (Fields t : req.objects("tools", 1000).orElse(List.of())) {
            out.add(Completions.toJava(t.node()));
        }
        return out;
    }

    private static List<Map<String, Object>> withModelDefaults(ResolvedModel model, List<Map<String, Object>> messages) {
        List<Map<String, Object>> out = new ArrayList<>();
        boolean hasSystem = messages.stream().anyMatch(m -> "system".equals(m.get("role")));
        if (!hasSystem && model.system().filter(s -> !s.isEmpty()).isPresent()) {
            Map<String, Object> sys = new LinkedHashMap<>();
            sys.put("role", "system");
            sys.put("content", model.system().get());
            out.add(sys);
        }
        for (ObjectNode m : model.messages()) {
            out.add(Completions.toJava(m));
        }
        out.addAll(messages);
        return out;
    }

    // ---- completions --------------------------------------------------------------------------------------

    public void completions(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        Fields req = Fields.parse(ex.body());
        String modelText = req.requiredString("model");
        ResolvedModel model = completions.model(modelText, "model");
        boolean stream = req.bool("stream", false);
        boolean includeUsage = req.object("stream_options").flatMap(o -> o.bool("include_usage")).orElse(false);
        rejectUnsupported(req, model);
        if (req.bool("echo", false)) {
            throw ApiException.badRequest("'echo' is not supported");
        }
        if (req.string("suffix").filter(s -> !s.isEmpty()).isPresent()) {
            throw ApiException.badRequest("model '" + model.displayName() + "' does not support insert ('suffix')");
        }
        List<String> prompts = req.stringOrStrings("prompt", 1)
                .orElseThrow(() -> ApiException.badRequest("'prompt' is required"));
        if (prompts.size() != 1) {
            throw ApiException.badRequest("'prompt' must be one string (batches of prompts are not supported)");
        }
        RequestOptions options = options(req, model);
        BooleanSupplier gone = ex::clientGone;
        try (Completions.Session s = completions.open(model, options, null, gone, start)) {
            List<Map<String, Object>> messages = new ArrayList<>();
            model.system().filter(x -> !x.isEmpty()).ifPresent(sys -> messages.add(Map.of("role", "system", "content", sys)));
            messages.add(Map.of("role", "user", "content", prompts.getFirst()));
            int[] prompt = s.prompts().chat(messages, null, Map.of());
            Completions.checkFits(prompt, s.runner().contextLength());
            Generation g = completions.submit(s, prompt, gone, stream);
            String id = "cmpl-" + randomId();
            long created = System.currentTimeMillis() / 1000;
            if (!stream) {
                GenerationResult r = g.finish(null);
                ObjectNode o = envelope(id, "text_completion", created, modelText);
                ObjectNode choice = o.putArray("choices").addObject();
                choice.put("text", r.text());
                choice.put("index", 0);
                choice.putNull("logprobs");
                choice.put("finish_reason", finishReason(r));
                o.set("usage", usage(r));
                Responses.json(ex, 200, o);
                return;
            }
            try (OutputStream out = startSse(ex)) {
                GenerationResult r;
                try {
                    r = g.finish(piece -> {
                        ObjectNode c = envelope(id, "text_completion", created, modelText);
                        ObjectNode ch = c.putArray("choices").addObject();
                        ch.put("text", piece);
                        ch.put("index", 0);
                        ch.putNull("logprobs");
                        ch.putNull("finish_reason");
                        if (includeUsage) {
                            c.putNull("usage");
                        }
                        event(out, c);
                    });
                } catch (ApiException e) {
                    streamError(out, e);
                    return;
                }
                ObjectNode last = envelope(id, "text_completion", created, modelText);
                ObjectNode ch = last.putArray("choices").addObject();
                ch.put("text", "");
                ch.put("index", 0);
                ch.putNull("logprobs");
                ch.put("finish_reason", finishReason(r));
                if (includeUsage) {
                    last.putNull("usage");
                }
                event(out, last);
                if (includeUsage) {
                    ObjectNode u = envelope(id, "text_completion", created, modelText);
                    u.putArray("choices");
                    u.set("usage", usage(r));
                    event(out, u);
                }
                out.write(DONE);
                out.flush();
            }
        }
    }

    // ---- embeddings ---------------------------------------------------------------------------------------

    public void embeddings(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        Fields req = Fields.parse(ex.body());
        String modelText = req.requiredString("model");
        ResolvedModel model = completions.model(modelText, "model");
        JsonNode input = req.raw("input").orElseThrow(() -> ApiException.badRequest("'input' is required"));
        String format = req.string("encoding_format").orElse("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiException.badRequest("'encoding_format' must be \"float\" or \"base64\"");
        }
        int dimensions = (int) req.integer("dimensions", 1, 1 << 20).orElse(0);
        List<String> texts = new ArrayList<>();
        List<int[]> tokenInputs = new ArrayList<>();
        if (input.isString()) {
            texts.add(input.stringValue());
        } else if (input.isArray()) {
            if (input.size() > 10_000) {
                throw ApiException.badRequest("'input' has more than 10000 items");
            }
            if (!input.isEmpty() && input.get(0).isNumber()) {
                tokenInputs.add(tokens(input, "input"));
            } else {
                for (int i = 0; i < input.size(); i++) {
                    JsonNode item = input.get(i);
                    if (item.isString()) {
                        texts.add(item.stringValue());
                    } else if (item.isArray()) {
                        tokenInputs.add(tokens(item, "input[" + i + "]"));
                    } else {
                        throw ApiException.badRequest("'input[" + i + "]' must be a string or an array of token ids");
                    }
                }
            }
        } else {
            throw req.wrongType("input", "a string, an array of strings, or token ids");
        }
        if (!texts.isEmpty() && !tokenInputs.isEmpty()) {
            throw ApiException.badRequest("'input' must not mix strings and token arrays");
        }
        if (texts.isEmpty() && tokenInputs.isEmpty()) {
            throw ApiException.badRequest("'input' must not be empty");
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).isEmpty()) {
                throw ApiException.badRequest("'input[" + i + "]' must not be empty");
            }
        }
        RequestOptions options = RequestOptions.resolve(null, model.params(), Map.of());
        try (Completions.Session s = completions.open(model, options, null, ex::clientGone, start)) {
            Completions.Embeddings e = tokenInputs.isEmpty()
                    ? completions.embed(s, texts, true, dimensions)
                    : completions.embedTokens(s, tokenInputs, dimensions);
            ObjectNode o = Json.object();
            o.put("object", "list");
            ArrayNode data = o.putArray("data");
            for (int i = 0; i < e.vectors().size(); i++) {
                ObjectNode d = data.addObject();
                d.put("object", "embedding");
                float[] v = e.vectors().get(i);
                if (format.equals("base64")) {
                    ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    buf.asFloatBuffer().put(v);
                    d.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
                } else {
                    ArrayNode a = d.putArray("embedding");
                    for (float x : v) {
                        a.add(x);
                    }
                }
                d.put("index", i);
            }
            o.put("model", modelText);
            ObjectNode u = o.putObject("usage");
            u.put("prompt_tokens", e.promptTokens());
            u.put("total_tokens", e.promptTokens());
            Responses.json(ex, 200, o);
        }
    }

    private static int[] tokens(JsonNode array, String field) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = array.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0) {
                throw ApiException.badRequest("'" + field + "[" + i + "]' must be a token id (a whole number, 0 or more)");
            }
            out[i] = t.intValue();
        }
        if (out.length == 0) {
            throw ApiException.badRequest("'" + field + "' must not be empty");
        }
        return out;
    }

    // ---- models -------------------------------------------------------------------------------------------

    public void models(HttpExchange ex) throws IOException {
        ObjectNode o = Json.object();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        for (StoredModel m : completions.catalog().list(w -> {})) {
            data.add(modelObject(m));
        }
        Responses.json(ex, 200, o);
    }

    public void model(HttpExchange ex, String id) throws IOException {
        ModelName name = ModelCatalog.parseName(id, "model");
        Responses.json(ex, 200, modelObject(completions.catalog().get(name)));
    }

    private static ObjectNode modelObject(StoredModel m) {
        ObjectNode o = Json.object();
        o.put("id", m.name().displayShortest());
        o.put("object", "model");
        o.put("created", m.modified().getEpochSecond());
        o.put("owned_by", m.name().namespace());
        return o;
    }

    // ---- shared -------------------------------------------------------------------------------------------

    /** OpenAI's sampling fields mapped onto Ollama's options, with OpenAI's ranges and defaults. */
    static RequestOptions options(Fields req, ResolvedModel model) {
        Map<String, JsonNode> o = new LinkedHashMap<>();
        var factory = Json.mapper().getNodeFactory();
        o.put("temperature", factory.numberNode(req.number("temperature", 0, 2).orElse(1.0)));
        o.put("top_p", factory.numberNode(req.number("top_p", 0, 1).orElse(1.0)));
        req.number("frequency_penalty", -2, 2).ifPresent(v -> o.put("frequency_penalty", factory.numberNode(v)));
        req.number("presence_penalty", -2, 2).ifPresent(v -> o.put("presence_penalty", factory.numberNode(v)));
        req.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE).ifPresent(v -> o.put("seed", factory.numberNode(v & Long.MAX_VALUE)));
        var max = req.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        if (max.isEmpty()) {
            max = req.integer("max_tokens", 1, Integer.MAX_VALUE);
        }
        max.ifPresent(v -> o.put("num_predict", factory.numberNode(v)));
        req.stringOrStrings("stop", 64).ifPresent(list -> {
            ArrayNode a = Json.array();
            list.forEach(a::add);
            o.put("stop", a);
        });
        if (req.integer("n", 1, 128).orElse(1) != 1) {
            throw ApiException.badRequest("'n' must be 1: one completion per request");
        }
        return RequestOptions.resolve(null, model.params(), o);
    }

    private static void rejectUnsupported(Fields req, ResolvedModel model) {
        if (req.bool("logprobs", false) || req.raw("top_logprobs").isPresent()) {
            throw ApiException.badRequest("'logprobs' is not supported yet");
        }
        Optional<Fields> format = req.object("response_format");
        if (format.isPresent()) {
            String type = format.get().string("type").orElse("text");
            if (!type.equals("text")) {
                throw ApiException.badRequest("'response_format' of type '" + type + "' (structured output) is not supported yet");
            }
        }
    }

    private static String finishReason(GenerationResult r) {
        return r.doneReason().equals("length") ? "length" : "stop";
    }

    private static ObjectNode usage(GenerationResult r) {
        ObjectNode u = Json.object();
        u.put("prompt_tokens", r.promptTokens());
        u.put("completion_tokens", r.tokens().length);
        u.put("total_tokens", r.promptTokens() + r.tokens().length);
        return u;
    }

    private static ObjectNode envelope(String id, String object, long created, String model) {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model);
        o.put("system_fingerprint", FINGERPRINT);
        return o;
    }

    /** A chat chunk with one choice (null: no choices, for the usage chunk). */
    private static ObjectNode chunk(String id, long created, String model, boolean includeUsage, ObjectNode choice) {
        ObjectNode o = envelope(id, "chat.completion.chunk", created, model);
        ArrayNode choices = o.putArray("choices");
        if (choice != null) {
            choices.add(choice);
        }
        if (includeUsage) {
            o.putNull("usage");
        }
        return o;
    }

    private static ObjectNode choice(ObjectNode delta, String finishReason) {
        ObjectNode c = Json.object();
        c.put("index", 0);
        c.set("delta", delta);
        if (finishReason == null) {
            c.putNull("finish_reason");
        } else {
            c.put("finish_reason", finishReason);
        }
        return c;
    }

    private static OutputStream startSse(HttpExchange ex) throws IOException {
        ex.addHeader("Cache-Control", "no-cache");
        return ex.startStream(200, "text/event-stream");
    }

    private static void event(OutputStream out, ObjectNode o) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.US_ASCII));
        out.write(Json.bytes(o));
        out.write("\n\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** An error after the stream started: OpenAI's error object as an event, then the end. */
    private static void streamError(OutputStream out, ApiException e) throws IOException {
        ObjectNode o = Json.object();
        ObjectNode err = o.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.status() >= 500 ? "api_error" : "invalid_request_error");
        err.putNull("param");
        err.putNull("code");
        event(out, o);
    }

    private static String randomId() {
        String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder b = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            b.append(chars.charAt(RANDOM.nextInt(chars.length())));
        }
        return b.toString();
    }
}
