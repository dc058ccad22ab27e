package dev.hearth.server.api;

import dev.hearth.engine.GenerationOptions;
import dev.hearth.sampling.SamplerConfig;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generation options with Ollama's names, defaults and precedence: the request's {@code options} over the
 * model's PARAMS layer over Ollama's defaults. Every value is range-checked: a negative, non-finite or
 * absurd number is a 400 naming the option.
 *
 * @param numCtx context length per sequence (0: the server's default)
 * @param numPredict most tokens to generate (-1: until the context is full)
 * @param numThread compute threads (0: the server's default)
 */
public record RequestOptions(int numCtx, int numPredict, SamplerConfig sampler, List<String> stop, int numThread) {

    /** The largest context anyone may ask for (1M tokens); more is certainly a mistake. */
    public static final int MAX_CONTEXT = 1 << 20;
    static final int MAX_STOP_STRINGS = 64;
    static final int MAX_STOP_LENGTH = 1000;

    public GenerationOptions generation() {
        return new GenerationOptions(numPredict, sampler, stop, false);
    }

    public RequestOptions withNumPredict(int n) {
        return new RequestOptions(numCtx, n, sampler, stop, numThread);
    }

    public RequestOptions withStop(List<String> s) {
        return new RequestOptions(numCtx, numPredict, sampler, s, numThread);
    }

    public RequestOptions withSampler(SamplerConfig s) {
        return new RequestOptions(numCtx, numPredict, s, stop, numThread);
    }

    /**
     * @param requestOptions the request's {@code options} object, or null
     * @param modelParams the model's PARAMS layer
     * @param overrides values that win over both (OpenAI's top-level fields), by Ollama option name
     */
    public static RequestOptions resolve(Fields requestOptions, ObjectNode modelParams, Map<String, JsonNode> overrides) {
        ObjectNode merged = Json.object();
        merged.setAll(modelParams);
        if (requestOptions != null) {
            merged.setAll(requestOptions.node());
        }
        overrides.forEach(merged::set);
        Fields f = new Fields(merged, "options.");
        SamplerConfig d = SamplerConfig.OLLAMA_DEFAULTS;
        int numCtx = (int) f.integer("num_ctx", 0, MAX_CONTEXT).orElse(0);
        long predict = f.integer("num_predict", -2, Integer.MAX_VALUE).orElse(-1);
        float temperature = (float) f.number("temperature", 0, 100).orElse(d.temperature());
        int topK = (int) f.integer("top_k", 0, Integer.MAX_VALUE).orElse(d.topK());
        float topP = (float) f.number("top_p", 0, 1).orElse(d.topP());
        float minP = (float) f.number("min_p", 0, 1).orElse(d.minP());
        double repeatPenalty = f.number("repeat_penalty", 0, 100).orElse(d.repeatPenalty());
        int repeatLastN = (int) f.integer("repeat_last_n", -1, MAX_CONTEXT).orElse(d.repeatLastN());
        float presence = (float) f.number("presence_penalty", -100, 100).orElse(d.presencePenalty());
        float frequency = (float) f.number("frequency_penalty", -100, 100).orElse(d.frequencyPenalty());
        long seed = f.integer("seed", -1, Long.MAX_VALUE).orElse(-1);
        int numThread = (int) f.integer("num_thread", 0, 1024).orElse(0);
        List<String> stop = f.stringOrStrings("stop", MAX_STOP_STRINGS).orElse(List.of());
        for (String s : stop) {
            if (s.isEmpty()) {
                throw ApiException.badRequest("'options.stop' must not contain empty strings");
            }
            if (s.length() > MAX_STOP_LENGTH) {
                throw ApiException.badRequest("'options.stop' strings must be at most " + MAX_STOP_LENGTH + " characters");
            }
        }
        SamplerConfig sampler = new SamplerConfig(temperature, topK, topP, minP,
                repeatPenalty == 0 ? 1f : (float) repeatPenalty, // 0 is "unset" in Go clients: no penalty
                repeatLastN, presence, frequency, seed);
        // -2 is Ollama's "fill the context"; the engine stops at a full context either way.
        int numPredict = predict < 0 ? -1 : (int) predict;
        return new RequestOptions(numCtx, numPredict, sampler, stop, numThread);
    }
}
