package dev.hearth.engine;

import dev.hearth.sampling.SamplerConfig;
import java.util.List;

/**
 * What to generate.
 *
 * @param maxTokens most tokens to generate; -1 means until the context is full
 * @param sampler sampling parameters
 * @param stop strings that end generation; the stop string itself is never emitted
 * @param promptLogits whether the listener receives logits after every prompt position (slower: computes
 *     the output projection for each prompt token)
 */
public record GenerationOptions(int maxTokens, SamplerConfig sampler, List<String> stop, boolean promptLogits) {
    public GenerationOptions {
        stop = List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        if (maxTokens < -1) {
            throw new IllegalArgumentException("max tokens must be -1 (unlimited) or more, got " + maxTokens);
        }
    }

    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplerConfig.GREEDY, List.of(), false);
    }
}
