package dev.hearth.server.runtime;

import dev.hearth.engine.GenerationListener;
import dev.hearth.engine.GenerationOptions;
import dev.hearth.engine.GenerationResult;
import dev.hearth.engine.InferenceEngine;
import dev.hearth.server.api.ApiException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs one generation on a loaded model and hands its text to the request's thread.
 *
 * <p>The engine calls the listener on its own (platform) thread, which must never wait on a client, so
 * text pieces go through a queue; the request's virtual thread takes them and writes them out. The engine
 * polls {@link GenerationListener#cancelled()} between steps, including between prompt batches, and sees
 * the client's disconnect (or a failed write) there.
 */
public final class Generation {

    /** Receives streamed text on the request thread; may block on the network. */
    @FunctionalInterface
    public interface TextSink {
        void text(String piece) throws IOException;
    }

    private final LinkedBlockingQueue<String> pieces = new LinkedBlockingQueue<>();
    private final AtomicBoolean writeFailed = new AtomicBoolean();
    private final CompletableFuture<GenerationResult> result;
    private final boolean streaming;
    private final Consumer<GenerationResult> onDone;

    private Generation(InferenceEngine engine, int[] prompt, GenerationOptions options, BooleanSupplier clientGone,
            boolean streaming, Consumer<GenerationResult> onDone) {
        this.streaming = streaming;
        this.onDone = onDone;
        GenerationListener listener = new GenerationListener() {
            @Override
            public void onText(String text) {
                if (Generation.this.streaming && !text.isEmpty()) {
                    pieces.add(text);
                }
            }

            @Override
            public boolean cancelled() {
                return writeFailed.get() || clientGone.getAsBoolean();
            }
        };
        try {
            result = engine.submit(prompt, options, listener).result();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (IllegalStateException e) {
            throw ApiException.busy(e.getMessage());
        }
    }

    /**
     * Submits a generation; a prompt the engine refuses (too long, a token outside the vocabulary) is a 400
     * here, before the caller has committed a response.
     *
     * @param clientGone polled by the engine; true stops generation ("cancelled")
     * @param streaming whether text pieces are kept for {@link #finish}'s sink
     */
    public static Generation submit(InferenceEngine engine, int[] prompt, GenerationOptions options,
            BooleanSupplier clientGone, boolean streaming, Consumer<GenerationResult> onDone) {
        return new Generation(engine, prompt, options, clientGone, streaming, onDone);
    }

    /** Hands streamed text to {@code sink} as it comes (if streaming) and returns the result when done. */
    public GenerationResult finish(TextSink sink) {
        while (true) {
            String piece;
            try {
                piece = pieces.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                writeFailed.set(true);
                break;
            }
            if (piece != null) {
                if (!writeFailed.get() && sink != null) {
                    try {
                        sink.text(piece);
                    } catch (IOException e) {
                        writeFailed.set(true); // the engine sees it at its next step and stops this sequence
                    }
                }
            } else if (result.isDone() && pieces.isEmpty()) {
                break;
            }
        }
        try {
            GenerationResult r = result.get();
            onDone.accept(r);
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new ApiException(500, "generation failed: " + (cause.getMessage() == null ? cause : cause.getMessage()));
        }
    }

    /** Whether a write to the client failed (the response cannot be completed). */
    public boolean writeFailed() {
        return writeFailed.get();
    }
}
