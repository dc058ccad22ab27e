package dev.hearth.server.ui;

import dev.hearth.gguf.GgufFile;
import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Json;
import dev.hearth.server.api.Query;
import dev.hearth.server.http.HttpExchange;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.models.ResolvedModel;
import dev.hearth.server.ollama.Responses;
import dev.hearth.store.StoredModel;
import dev.hearth.store.hardware.Fit;
import dev.hearth.store.hardware.Hardware;
import dev.hearth.store.hardware.MemoryEstimate;
import dev.hearth.store.library.ModelFacts;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hearth-only endpoints that tell the web page about this machine and whether each model fits it:
 * <ul>
 *   <li>{@code GET /api/hearth/system}: {@code {"version", "os", "arch", "cpu", "cpus", "memory": {"total",
 *       "available"}}} (bytes; 0 when unknown);
 *   <li>{@code GET /api/hearth/models[?num_ctx=N]}: for each installed model, the memory it needs at that context
 *       length ({@code hearth pull}'s estimate: weights, float32 KV cache, runtime) and how that fits:
 *       {@code {"memory": {...}, "models": [{"name", "memory": {"total", "weights", "kv_cache", "overhead",
 *       "context_length"}, "fit": "comfortable"|"tight"|"too_large"|"unknown"}]}}.
 * </ul>
 */
public final class MachineEndpoints {
    private static final long MAX_CONTEXT = 1 << 24;

    private final String version;
    private final ModelCatalog catalog;
    private final int defaultContextLength;
    /** Facts by weights digest: a GGUF header is read once per model, not per listing. */
    private final Map<String, Optional<ModelFacts>> facts = new ConcurrentHashMap<>();

    public MachineEndpoints(String version, ModelCatalog catalog, int defaultContextLength) {
        this.version = version;
        this.catalog = catalog;
        this.defaultContextLength = defaultContextLength;
    }

    public void system(HttpExchange ex) throws IOException {
        Hardware hw = Hardware.detect();
        ObjectNode o = Json.object();
        o.put("version", version);
        o.put("os", hw.os());
        o.put("arch", hw.arch());
        o.put("cpu", hw.cpuModel());
        o.put("cpus", hw.cores());
        memory(o.putObject("memory"), hw);
        Responses.json(ex, 200, o);
    }

    private static void memory(ObjectNode m, Hardware hw) {
        m.put("total", Math.max(0, hw.totalMemory()));
        m.put("available", Math.max(0, hw.availableMemory()));
    }

    public void models(HttpExchange ex) throws IOException {
        String requested = Query.parameter(ex.rawQuery(), "num_ctx");
        long context = defaultContextLength;
        if (!requested.isEmpty()) {
            try {
                context = Long.parseLong(requested);
            } catch (NumberFormatException e) {
                context = -1;
            }
            if (context < 1 || context > MAX_CONTEXT) {
                throw ApiException.badRequest("'num_ctx' must be a whole number between 1 and " + MAX_CONTEXT);
            }
        }
        Hardware hw = Hardware.detect();
        ObjectNode root = Json.object();
        memory(root.putObject("memory"), hw);
        ArrayNode list = root.putArray("models");
        for (StoredModel m : catalog.list(w -> {})) {
            ObjectNode o = list.addObject();
            o.put("name", m.name().displayShortest());
            Optional<ModelFacts> f = facts(m);
            if (f.isEmpty()) {
                o.put("fit", Fit.UNKNOWN.name().toLowerCase(Locale.ROOT));
                continue;
            }
            // A model cannot use more context than it was trained for; the server caps it the same way.
            long ctx = f.get().contextLength() > 0 ? Math.min(context, f.get().contextLength()) : context;
            MemoryEstimate e = MemoryEstimate.of(f.get(), ctx);
            ObjectNode mem = o.putObject("memory");
            mem.put("total", e.total());
            mem.put("weights", e.weights());
            mem.put("kv_cache", e.kvCache());
            mem.put("overhead", e.overhead());
            mem.put("context_length", ctx);
            o.put("fit", e.fitIn(hw.totalMemory()).name().toLowerCase(Locale.ROOT));
        }
        Responses.json(ex, 200, root);
    }

    private Optional<ModelFacts> facts(StoredModel m) {
        ResolvedModel r;
        try {
            r = catalog.resolve(m);
        } catch (RuntimeException e) {
            return Optional.empty(); // no weights, or a damaged model: its fit is unknown
        }
        return facts.computeIfAbsent(r.digest(), k -> {
            try (GgufFile f = GgufFile.open(r.weights())) {
                return Optional.of(ModelFacts.of(f));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        });
    }
}
