package dev.hearth.engine;

import dev.hearth.model.InferenceState;
import dev.hearth.model.Model;
import dev.hearth.model.Transformer;
import java.util.function.BooleanSupplier;

/**
 * Passes over a throwaway state that make the JIT compile a freshly loaded model's code while its engine has
 * nothing else to do (llama.cpp runs a warm-up pass at load for the same reason).
 *
 * <p><b>Why.</b> Vector API code is slow until C2 has compiled it: interpreted or in C1 code every vector
 * operation is a call and an object. A fresh process's first prompt of 18 tokens on Llama-3.2-1B Q4_0 took
 * 2.4 s against 0.2-0.6 s once compiled; the output matrix's product alone took 1.0 s, most of it before C2's
 * on-stack-replacement version of the kernel arrived. Lower compile thresholds and foreground compilation did
 * not help, since the cost is running cold code over big matrices, not when compiling starts. An idle engine
 * pays it before the user's first prompt instead: `hearth run` loads the model while the user types, and a
 * server loads on a client's first (often empty) request.
 *
 * <p><b>What.</b> Rounds of one batch of {@link #BATCH} tokens (the batched matrix products, attention over a
 * batch) and then two single tokens (the matrix-vector products), until a round is no longer clearly faster
 * than the one before (three or four rounds: 2.3 s, 0.4 s, 0.33 s, 0.33 s for Llama-3.2-1B Q4_0) or after
 * {@link #MAX_ROUNDS}. Every pass asks {@code yield} before each layer and abandons itself when work arrives, so
 * a request waits at most one layer (the caller then drops the warm-up: the request warms the rest).
 */
final class JitWarmUp {
    /** Tokens of a round's batch: more than any type's row-by-row limit, so the batched kernels run. */
    static final int BATCH = 32;
    static final int MAX_ROUNDS = 8;
    /** A round at least this much faster than the one before means compiling still pays off. */
    private static final double STILL_IMPROVING = 0.8;

    private final Model model;
    private final ComputePool pool;
    private final InferenceState scratch;
    private final int[] tokens;
    private int round;
    private int pass;
    private long roundStart;
    private long previousRound = Long.MAX_VALUE;
    private boolean done;

    /** @param yield asked before each layer: true abandons the pass (work has arrived, or the engine closes) */
    JitWarmUp(Model model, ComputePool pool, BooleanSupplier yield) {
        this.model = model;
        this.pool = pool;
        this.scratch = new InferenceState(model.config(), 1, BATCH + 2, BATCH, 1, pool.threads());
        scratch.abandonWhen(yield);
        // Any ids of the vocabulary do: the passes exercise the code, their values are thrown away.
        int vocab = model.config().vocabSize();
        this.tokens = new int[BATCH + 2];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (int) ((1L + 7919L * i) % vocab);
        }
    }

    boolean done() {
        return done;
    }

    /** Rounds completed so far. */
    int rounds() {
        return round;
    }

    /**
     * Runs the next pass of the current round: the batch, then one token, then another. Returns false if
     * {@code yield} abandoned it (the round then starts over on the next call).
     */
    boolean nextPass() {
        if (done) {
            return true;
        }
        try {
            switch (pass) {
                case 0 -> {
                    roundStart = System.nanoTime();
                    scratch.reset();
                    Transformer.forward(model, scratch, pool, tokens, 0, BATCH, false);
                }
                case 1 -> Transformer.forward(model, scratch, pool, tokens, BATCH, 1, false);
                default -> {
                    Transformer.forward(model, scratch, pool, tokens, BATCH + 1, 1, false);
                    endRound(System.nanoTime() - roundStart);
                }
            }
            pass = (pass + 1) % 3;
            return true;
        } catch (Transformer.PassAbandoned e) {
            pass = 0;
            return false;
        }
    }

    private void endRound(long nanos) {
        round++;
        if (round >= MAX_ROUNDS || (round >= 2 && nanos > STILL_IMPROVING * previousRound)) {
            done = true;
        }
        previousRound = nanos;
    }
}
