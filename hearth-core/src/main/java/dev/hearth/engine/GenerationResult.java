package dev.hearth.engine;

/**
 * The outcome of one generation.
 *
 * @param tokens generated token ids (including the end-of-generation token when one ended it)
 * @param text generated text, stop string excluded
 * @param doneReason "stop" (end-of-generation token or stop string), "length" (max tokens or context
 *     full), or "cancelled"
 * @param promptTokens tokens in the prompt
 * @param promptTokensEvaluated prompt tokens actually run (fewer when a cached prefix was reused)
 * @param promptNanos time spent on the prompt
 * @param evalNanos time spent generating
 */
public record GenerationResult(int[] tokens, String text, String doneReason, int promptTokens,
        int promptTokensEvaluated, long promptNanos, long evalNanos) {}
