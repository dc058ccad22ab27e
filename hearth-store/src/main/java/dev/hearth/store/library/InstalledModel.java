package dev.hearth.store.library;

import dev.hearth.store.Json;
import dev.hearth.store.Layer;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.ModelStore;
import dev.hearth.store.StoreException;
import dev.hearth.store.StoredModel;
import dev.hearth.store.modelfile.ChatMessage;
import dev.hearth.store.modelfile.ModelParameters;
import dev.hearth.store.modelfile.ModelfileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The contents of an installed model's layers: where its weights are, and its template, system prompt,
 * parameters, messages and licenses. Every blob is checked to be present before it is used.
 */
record InstalledModel(StoredModel stored, Layer modelLayer, Path modelPath, List<Layer> weightLayers,
        List<Path> projectors, List<Path> adapters, String template, String system, Map<String, Object> parameters,
        List<ChatMessage> messages, List<String> licenses, JsonNode config) {

    /** Text layers (templates, licenses) larger than this are refused. */
    static final int MAX_TEXT_LAYER = 8 << 20;

    static InstalledModel read(ModelStore store, StoredModel m) throws IOException {
        Layer model = m.manifest().modelLayer().orElseThrow(() -> new StoreException(m.name().displayShortest()
                + " has no GGUF weights layer; Hearth cannot run it"));
        Path modelPath = store.requireBlob(model);
        List<Layer> weights = new ArrayList<>();
        List<Path> projectors = new ArrayList<>();
        List<Path> adapters = new ArrayList<>();
        String template = null;
        String system = null;
        Map<String, Object> params = Map.of();
        List<ChatMessage> messages = List.of();
        List<String> licenses = new ArrayList<>();
        for (Layer l : m.manifest().layers()) {
            switch (l.mediaType()) {
                case MediaTypes.MODEL -> weights.add(l);
                case MediaTypes.PROJECTOR -> {
                    weights.add(l);
                    projectors.add(store.requireBlob(l));
                }
                case MediaTypes.ADAPTER -> {
                    weights.add(l);
                    adapters.add(store.requireBlob(l));
                }
                case MediaTypes.TEMPLATE, MediaTypes.PROMPT -> template = text(store, l);
                case MediaTypes.SYSTEM -> system = text(store, l);
                case MediaTypes.LICENSE -> licenses.add(text(store, l));
                case MediaTypes.PARAMS -> {
                    try {
                        params = ModelParameters.fromJson(Json.parse(store.readBlob(l, MAX_TEXT_LAYER), "params layer"));
                    } catch (ModelfileException e) {
                        throw new StoreException(m.name().displayShortest() + ": " + e.getMessage());
                    }
                }
                case MediaTypes.MESSAGES -> messages = messages(store, l);
                default -> {
                    // other layers (embeddings of old models, future kinds) are kept but not used
                }
            }
        }
        JsonNode config = null;
        try {
            config = Json.parse(store.readBlob(m.manifest().config(), 1 << 20), "config");
        } catch (IOException e) {
            // the config blob only adds display details; a model runs without it
        }
        return new InstalledModel(m, model, modelPath, weights, projectors, adapters, template, system, params,
                messages, licenses, config);
    }

    /** A string field of the config blob, or null. */
    String configString(String field) {
        if (config == null) {
            return null;
        }
        JsonNode v = config.get(field);
        return v != null && v.isString() && !v.stringValue().isEmpty() ? v.stringValue() : null;
    }

    private static String text(ModelStore store, Layer l) throws IOException {
        return new String(store.readBlob(l, MAX_TEXT_LAYER), StandardCharsets.UTF_8);
    }

    private static List<ChatMessage> messages(ModelStore store, Layer l) throws IOException {
        JsonNode json = Json.parse(store.readBlob(l, MAX_TEXT_LAYER), "messages layer");
        if (!json.isArray()) {
            throw new StoreException("the messages layer " + l.digest().shortHex() + " is not a JSON array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode n : json.values()) {
            JsonNode role = n.get("role");
            JsonNode content = n.get("content");
            if (role == null || !role.isString() || content == null || !content.isString()) {
                throw new StoreException("the messages layer " + l.digest().shortHex()
                        + " has a message without a role or content");
            }
            out.add(new ChatMessage(role.stringValue(), content.stringValue()));
        }
        return out;
    }

    ResolvedModel resolved() {
        return new ResolvedModel(stored.name().displayShortest(), modelPath, true, template, system, parameters,
                messages, projectors, adapters);
    }
}
