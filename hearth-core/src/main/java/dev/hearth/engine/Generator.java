package dev.hearth.engine;

import dev.hearth.model.Model;
import dev.hearth.tokenizer.Tokenizer;

/**
 * One sequence of a loaded model, driven on the caller's thread: a single-slot {@link InferenceEngine}.
 * The KV cache is kept between calls, and a new prompt that starts with the tokens already cached reuses
 * them. When the context is full, generation stops with done reason "length"; a prompt that does not fit
 * fails with an {@link IllegalArgumentException} before anything runs. Not thread-safe.
 */
public final class Generator implements AutoCloseable {
    /** Tokens per forward pass while processing a prompt. */
    public static final int DEFAULT_BATCH = 64;

    private final Tokenizer tokenizer;
    private final ComputePool pool;
    private final boolean ownsPool;
    private final InferenceEngine engine;

    public Generator(Model model, Tokenizer tokenizer, int contextLength, int threads) {
        this(model, tokenizer, contextLength, new ComputePool(threads), true, DEFAULT_BATCH);
    }

    public Generator(Model model, Tokenizer tokenizer, int contextLength, ComputePool pool, boolean ownsPool, int batch) {
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.ownsPool = ownsPool;
        this.engine = new InferenceEngine(model, tokenizer, pool, 1, contextLength, Math.min(batch, contextLength));
    }

    public int contextLength() {
        return engine.contextLength();
    }

    /** Tokenizes {@code text} as the model's metadata says (BOS when {@code add_bos_token}). */
    public int[] tokenizePrompt(String text, boolean parseSpecial) {
        return tokenizer.encode(text, tokenizer.addBosByDefault(), parseSpecial);
    }

    /** Generates for {@code prompt}; see {@link InferenceEngine} for how it ends. */
    public GenerationResult generate(int[] prompt, GenerationOptions options, GenerationListener listener) {
        return engine.run(prompt, options, listener);
    }

    @Override
    public void close() {
        engine.close();
        if (ownsPool) {
            pool.close();
        }
    }
}
