package dev.hearth.server.runtime;

import dev.hearth.config.HearthSettings;
import dev.hearth.engine.GenerationResult;
import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Fields;
import dev.hearth.server.api.Json;
import dev.hearth.server.api.RequestOptions;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.models.ResolvedModel;
import dev.hearth.server.prompt.PromptFormat;
import dev.hearth.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What both APIs do to generate: resolve the model, get it loaded, build the prompt, run the engine, and
 * embed. The API classes only translate requests and responses.
 */
public final class Completions {
    /** Messages in one chat, and the length of one input string (32 MiB bodies are checked first anyway). */
    public static final int MAX_MESSAGES = 100_000;

    private final ModelCatalog catalog;
    private final Scheduler scheduler;
    private final PrintStream log;

    /** @param log where cancelled requests are noted (null: nowhere) */
    public Completions(ModelCatalog catalog, Scheduler scheduler, PrintStream log) {
        this.catalog = catalog;
        this.scheduler = scheduler;
        this.log = log;
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public ResolvedModel model(String name, String field) {
        return catalog.resolve(ModelCatalog.parseName(name, field));
    }

    /**
     * {@code keep_alive} as Ollama takes it: a duration string ({@code "5m"}, {@code "-1"}, {@code "0"}) or a
     * number of seconds; negative means forever. Null when absent (the server's default applies).
     */
    public static Duration keepAlive(Fields req) {
        var raw = req.raw("keep_alive");
        if (raw.isEmpty()) {
            return null;
        }
        JsonNode v = raw.get();
        if (v.isNumber()) {
            double seconds = v.doubleValue();
            if (!Double.isFinite(seconds) || Math.abs(seconds) > 1e12) {
                throw ApiException.badRequest("'keep_alive' must be a duration such as \"5m\" or a number of seconds");
            }
            return seconds < 0 ? HearthSettings.KEEP_ALIVE_FOREVER : Duration.ofNanos((long) (seconds * 1e9));
        }
        if (v.isString()) {
            try {
                return HearthSettings.duration("keep_alive", v.stringValue());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("'keep_alive' must be a duration such as \"5m\", \"1h\", \"0\" or \"-1\", got "
                        + v);
            }
        }
        throw req.wrongType("keep_alive", "a duration string or a number of seconds");
    }

    /** A model held for one request, with the resolved options. */
    public record Session(Scheduler.Lease lease, RequestOptions options, long startNanos) implements AutoCloseable {
        public Runner runner() {
            return lease.runner();
        }

        public PromptFormat prompts() {
            return lease.runner().prompts();
        }

        @Override
        public void close() {
            lease.close();
        }
    }

    /** Loads (or finds) the model for a request. */
    public Session open(ResolvedModel model, RequestOptions options, Duration keepAlive, BooleanSupplier clientGone,
            long startNanos) {
        if (model.adapters()) {
            throw ApiException.badRequest("model '" + model.displayName() + "' uses LoRA adapters, which Hearth does not support yet");
        }
        Scheduler.Lease lease = scheduler.acquire(model, options.numCtx(), options.numThread(), keepAlive, clientGone);
        return new Session(lease, options, startNanos);
    }

    /** A load-only request (empty prompt or message list): loads, or with keep_alive 0 unloads. */
    public boolean loadOnly(ResolvedModel model, RequestOptions options, Duration keepAlive, BooleanSupplier gone) {
        if (keepAlive != null && keepAlive.isZero()) {
            scheduler.unload(model.digest());
            return false;
        }
        try (Session s = open(model, options, keepAlive, gone, System.nanoTime())) {
            return true;
        }
    }

    /**
     * Tokenizes a chat, dropping the oldest non-system messages while it does not fit the context (as
     * Ollama does), keeping at least the last message.
     */
    /** A chat prompt and how many of the oldest messages were dropped to make it fit the context. */
    public record ChatPrompt(int[] tokens, int droppedMessages) {}

    public ChatPrompt chatPrompt(Session s, List<Map<String, Object>> messages, List<Object> tools, Map<String, Object> vars) {
        int ctx = s.runner().contextLength();
        List<Map<String, Object>> kept = new ArrayList<>(messages);
        while (true) {
            int[] tokens = s.prompts().chat(kept, tools, vars);
            if (tokens.length < ctx) {
                return new ChatPrompt(tokens, messages.size() - kept.size());
            }
            int drop = -1;
            for (int i = 0; i < kept.size() - 1; i++) {
                if (!"system".equals(kept.get(i).get("role"))) {
                    drop = i;
                    break;
                }
            }
            if (drop < 0) {
                throw ApiException.badRequest("the conversation needs " + tokens.length + " tokens but the context holds "
                        + ctx + " (num_ctx); shorten it or raise num_ctx");
            }
            kept.remove(drop);
        }
    }

    public static void checkFits(int[] prompt, int ctx) {
        if (prompt.length >= ctx) {
            throw ApiException.badRequest("the prompt is " + prompt.length + " tokens but the context holds " + ctx
                    + " (num_ctx); shorten it or raise num_ctx");
        }
    }

    /** Submits a generation (a prompt the engine refuses is a 400 now, before any response is started). */
    public Generation submit(Session s, int[] prompt, BooleanSupplier clientGone, boolean streaming) {
        String name = s.runner().name();
        return Generation.submit(s.runner().engine(), prompt, s.options().generation(), clientGone, streaming, r -> {
            if (log != null && r.doneReason().equals("cancelled")) {
                log.println("[hearth] " + name + ": request cancelled (the client went away) after "
                        + r.promptTokensEvaluated() + " prompt tokens evaluated of " + r.promptTokens()
                        + ", " + r.tokens().length + " generated");
            }
        });
    }

    /**
     * Embeddings of several inputs: mean-pooled, L2-normalised final hidden states. Inputs are submitted
     * together and computed one after another between decoding steps.
     *
     * @param truncate cut inputs longer than the context instead of refusing them
     * @param dimensions keep only the first N dimensions (renormalised); 0 for all
     */
    public Embeddings embed(Session s, List<String> inputs, boolean truncate, int dimensions) {
        Tokenizer tok = s.runner().engine().tokenizer();
        int ctx = s.runner().contextLength();
        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int[] ids = tok.encode(inputs.get(i), tok.addBosByDefault(), false);
            if (ids.length == 0) {
                throw ApiException.badRequest("input " + i + " is empty after tokenization");
            }
            if (ids.length >= ctx) {
                if (!truncate) {
                    throw ApiException.badRequest("input " + i + " is " + ids.length + " tokens, more than the context ("
                            + ctx + "); pass truncate: true or raise num_ctx");
                }
                ids = java.util.Arrays.copyOf(ids, ctx - 1);
            }
            tokens += ids.length;
            try {
                futures.add(s.runner().engine().embed(ids));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
        return collect(futures, tokens, dimensions);
    }

    /** Embeddings of inputs given as token ids (OpenAI allows that); ids outside the vocabulary are a 400. */
    public Embeddings embedTokens(Session s, List<int[]> inputs, int dimensions) {
        int ctx = s.runner().contextLength();
        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        int tokens = 0;
        for (int[] ids : inputs) {
            int[] use = ids.length >= ctx ? java.util.Arrays.copyOf(ids, ctx - 1) : ids;
            tokens += use.length;
            try {
                futures.add(s.runner().engine().embed(use));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
        return collect(futures, tokens, dimensions);
    }

    private static Embeddings collect(List<CompletableFuture<float[]>> futures, int tokens, int dimensions) {
        List<float[]> vectors = new ArrayList<>();
        for (CompletableFuture<float[]> f : futures) {
            try {
                float[] v = f.get();
                vectors.add(dimensions > 0 && dimensions < v.length ? shorten(v, dimensions) : v);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "interrupted");
            } catch (ExecutionException e) {
                throw new ApiException(500, "embedding failed: " + e.getCause().getMessage());
            }
        }
        return new Embeddings(vectors, tokens);
    }

    private static float[] shorten(float[] v, int n) {
        double norm = 0;
        for (int i = 0; i < n; i++) {
            norm += (double) v[i] * v[i];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = norm > 0 ? (float) (v[i] / norm) : 0f;
        }
        return out;
    }

    public record Embeddings(List<float[]> vectors, int promptTokens) {}

    /** Request-supplied text must be text: JSON objects of messages become plain Java maps for the template. */
    public static Map<String, Object> toJava(ObjectNode node) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = Json.mapper().convertValue(node, LinkedHashMap.class);
        return m;
    }
}
