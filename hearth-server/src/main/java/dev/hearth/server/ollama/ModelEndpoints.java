package dev.hearth.server.ollama;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Fields;
import dev.hearth.server.api.Json;
import dev.hearth.server.http.HttpExchange;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.models.ModelDetails;
import dev.hearth.server.models.ResolvedModel;
import dev.hearth.store.ModelName;
import dev.hearth.store.StoredModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Ollama's model-management endpoints: {@code GET /api/tags}, {@code POST /api/show}, {@code POST /api/copy},
 * {@code DELETE /api/delete}.
 */
public final class ModelEndpoints {
    private final ModelCatalog catalog;
    private final BeforeDelete beforeDelete;

    /** Called before a model is deleted (the scheduler unloads it). */
    @FunctionalInterface
    public interface BeforeDelete {
        void accept(ModelName name) throws IOException;
    }
    /** Details by manifest digest: reading a GGUF header per model per listing would be wasteful. */
    private final Map<String, ModelDetails> detailsCache = new ConcurrentHashMap<>();

    /**
     * @param beforeDelete called before a model is deleted (the scheduler unloads it)
     */
    public ModelEndpoints(ModelCatalog catalog, BeforeDelete beforeDelete) {
        this.catalog = catalog;
        this.beforeDelete = beforeDelete;
    }

    public static String timestamp(java.time.Instant t) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.atZone(ZoneId.systemDefault()));
    }

    /** Details for a listing: the config blob's, completed from the GGUF header (cached) when it lacks them. */
    public ObjectNode details(StoredModel m) {
        ResolvedModel r;
        try {
            r = catalog.resolve(m);
        } catch (RuntimeException e) {
            return ModelDetails.detailsFromConfig(Json.object()); // a broken model still lists, with empty details
        }
        ObjectNode fromConfig = ModelDetails.detailsFromConfig(r.config());
        if (!fromConfig.get("family").asString().isEmpty() && !fromConfig.get("quantization_level").asString().isEmpty()
                && !fromConfig.get("parameter_size").asString().isEmpty()) {
            return fromConfig;
        }
        ModelDetails d = modelDetails(r, false);
        return d == null ? fromConfig : d.detailsJson(r.config());
    }

    ModelDetails modelDetails(ResolvedModel r, boolean verbose) {
        if (verbose) {
            return readDetails(r, true);
        }
        return detailsCache.computeIfAbsent(r.digest(), k -> readDetails(r, false));
    }

    private static ModelDetails readDetails(ResolvedModel r, boolean verbose) {
        try {
            return ModelDetails.read(r.weights(), verbose);
        } catch (IOException | RuntimeException e) {
            throw new ApiException(500, "cannot read the weights of '" + r.displayName() + "': " + e.getMessage());
        }
    }

    /** {@code GET /api/tags}: installed models, newest first. */
    public void tags(HttpExchange ex) throws IOException {
        ObjectNode root = Json.object();
        ArrayNode models = root.putArray("models");
        for (StoredModel m : catalog.list(w -> {})) {
            ObjectNode o = models.addObject();
            o.put("name", m.name().displayShortest());
            o.put("model", m.name().displayShortest());
            o.put("modified_at", timestamp(m.modified()));
            o.put("size", m.size());
            o.put("digest", m.manifestDigest().hex());
            o.set("details", details(m));
        }
        Responses.json(ex, 200, root);
    }

    /** {@code POST /api/show}: template, parameters, details, metadata and capabilities of a model. */
    public void show(HttpExchange ex) throws IOException {
        Fields req = Fields.parse(ex.body());
        String nameText = req.string("model").or(() -> req.string("name"))
                .orElseThrow(() -> ApiException.badRequest("'model' is required"));
        boolean verbose = req.bool("verbose", false);
        ResolvedModel r = catalog.resolve(ModelCatalog.parseName(nameText, "model"));
        ModelDetails d = modelDetails(r, verbose);
        String template = r.template().orElse(d.chatTemplate() == null ? "" : d.chatTemplate());

        ObjectNode root = Json.object();
        if (!r.license().isEmpty()) {
            root.put("license", String.join("\n", r.license()));
        }
        root.put("modelfile", modelfile(nameText, r, template));
        String params = parameters(r.params());
        if (!params.isEmpty()) {
            root.put("parameters", params);
        }
        root.put("template", template);
        r.system().ifPresent(s -> root.put("system", s));
        root.set("details", d.detailsJson(r.config()));
        root.set("model_info", d.metadata());
        ArrayNode caps = root.putArray("capabilities");
        d.capabilities(template, r.projector()).forEach(caps::add);
        if (!r.messages().isEmpty()) {
            ArrayNode msgs = root.putArray("messages");
            r.messages().forEach(msgs::add);
        }
        root.put("modified_at", timestamp(r.model().modified()));
        Responses.json(ex, 200, root);
    }

    /** Parameters as Ollama's show prints them: one "key value" line each, keys padded to 30 columns. */
    static String parameters(ObjectNode params) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, JsonNode> e : params.properties()) {
            List<JsonNode> values = e.getValue().isArray() ? e.getValue().valueStream().toList() : List.of(e.getValue());
            for (JsonNode v : values) {
                if (!b.isEmpty()) {
                    b.append('\n');
                }
                b.append(String.format("%-30s %s", e.getKey(), v.isString() ? quote(v.stringValue()) : v.toString()));
            }
        }
        return b.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The store's Modelfile for the model (which {@code Modelfile.parse} reads back), else a plain one. */
    private String modelfile(String nameText, ResolvedModel r, String template) {
        try {
            return catalog.library().show(nameText).modelfile();
        } catch (IOException | RuntimeException e) {
            return modelfile(r, template);
        }
    }

    static String modelfile(ResolvedModel r, String template) {
        StringBuilder b = new StringBuilder();
        b.append("# Modelfile generated by \"hearth show\"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM ")
                .append(r.displayName()).append("\n\nFROM ").append(r.weights()).append('\n');
        if (!template.isEmpty()) {
            b.append("TEMPLATE \"\"\"").append(template).append("\"\"\"\n");
        }
        r.system().ifPresent(s -> b.append("SYSTEM \"\"\"").append(s).append("\"\"\"\n"));
        for (Map.Entry<String, JsonNode> e : r.params().properties()) {
            List<JsonNode> values = e.getValue().isArray() ? e.getValue().valueStream().toList() : List.of(e.getValue());
            for (JsonNode v : values) {
                b.append("PARAMETER ").append(e.getKey()).append(' ')
                        .append(v.isString() ? v.stringValue() : v.toString()).append('\n');
            }
        }
        for (ObjectNode m : r.messages()) {
            b.append("MESSAGE ").append(m.path("role").asString("")).append(' ')
                    .append(quote(m.path("content").asString(""))).append('\n');
        }
        for (String l : r.license()) {
            b.append("LICENSE \"\"\"").append(l).append("\"\"\"\n");
        }
        return b.toString();
    }

    /** {@code POST /api/copy}: {@code {"source": ..., "destination": ...}}. */
    public void copy(HttpExchange ex) throws IOException {
        Fields req = Fields.parse(ex.body());
        ModelName source = ModelCatalog.parseName(req.requiredString("source"), "source");
        ModelName destination = ModelCatalog.parseName(req.requiredString("destination"), "destination");
        catalog.copy(source, destination);
        ex.send(200, null, new byte[0]);
    }

    /** {@code DELETE /api/delete}: {@code {"model": ...}} (or the older "name"). */
    public void delete(HttpExchange ex) throws IOException {
        Fields req = Fields.parse(ex.body());
        String nameText = req.string("model").or(() -> req.string("name"))
                .orElseThrow(() -> ApiException.badRequest("'model' is required"));
        ModelName name = ModelCatalog.parseName(nameText, "model");
        catalog.get(name);
        beforeDelete.accept(name);
        try {
            catalog.delete(name);
        } catch (UncheckedIOException e) {
            throw new ApiException(500, "cannot delete '" + name.displayShortest() + "': " + e.getCause().getMessage());
        }
        ex.send(200, null, new byte[0]);
    }
}
