package dev.hearth.sampling;

/**
 * Sampling parameters, with the meaning llama.cpp and Ollama give them.
 *
 * @param temperature 0 or less means greedy (argmax after penalties)
 * @param topK keep the K most likely tokens; 0 or less keeps all
 * @param topP keep the smallest set whose probability reaches P; 1 keeps all
 * @param minP drop tokens below P times the top token's probability; 0 keeps all
 * @param repeatPenalty divide positive (multiply negative) logits of recently seen tokens; 1 is off
 * @param repeatLastN how many recent tokens the penalties look at; 0 is off, -1 the whole context
 * @param presencePenalty subtracted once from each recently seen token's logit
 * @param frequencyPenalty subtracted per occurrence
 * @param seed random seed; -1 picks a random one
 */
public record SamplerConfig(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repeatPenalty,
        int repeatLastN,
        float presencePenalty,
        float frequencyPenalty,
        long seed) {

    /** Greedy decoding without penalties: exactly the argmax of the logits. */
    public static final SamplerConfig GREEDY = new SamplerConfig(0f, 0, 1f, 0f, 1f, 0, 0f, 0f, 0);

    /** Ollama's defaults (temperature 0.8, top_k 40, top_p 0.9, repeat_penalty 1.1 over 64 tokens). */
    public static final SamplerConfig OLLAMA_DEFAULTS = new SamplerConfig(0.8f, 40, 0.9f, 0f, 1.1f, 64, 0f, 0f, -1);

    public SamplerConfig {
        if (!Float.isFinite(temperature) || !Float.isFinite(topP) || !Float.isFinite(minP)
                || !Float.isFinite(repeatPenalty) || !Float.isFinite(presencePenalty) || !Float.isFinite(frequencyPenalty)) {
            throw new IllegalArgumentException("sampling parameters must be finite numbers");
        }
        if (topP < 0 || topP > 1) {
            throw new IllegalArgumentException("top_p must be between 0 and 1, got " + topP);
        }
        if (minP < 0 || minP > 1) {
            throw new IllegalArgumentException("min_p must be between 0 and 1, got " + minP);
        }
        if (repeatPenalty <= 0) {
            throw new IllegalArgumentException("repeat_penalty must be positive, got " + repeatPenalty);
        }
        if (repeatLastN < -1) {
            throw new IllegalArgumentException("repeat_last_n must be -1 or more, got " + repeatLastN);
        }
    }

    public boolean greedy() {
        return temperature <= 0;
    }

    public SamplerConfig withTemperature(float t) {
        return new SamplerConfig(t, topK, topP, minP, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, seed);
    }

    public SamplerConfig withSeed(long s) {
        return new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, s);
    }
}
