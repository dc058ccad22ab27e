package dev.hearth.server.models;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Json;
import dev.hearth.store.InvalidModelNameException;
import dev.hearth.store.Layer;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelNotFoundException;
import dev.hearth.store.ModelStore;
import dev.hearth.store.StoreException;
import dev.hearth.store.StoredModel;
import dev.hearth.store.hardware.Hardware;
import dev.hearth.store.library.LocalModelLibrary;
import dev.hearth.store.pull.PullOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The installed models, as the API sees them: names parsed and validated (a bad or path-like name is a 400
 * before any file is touched), unknown models a 404 in Ollama's wording, layers read with size limits.
 */
public final class ModelCatalog {
    /** Text layers (template, system, license) and JSON layers (params, messages) are small. */
    private static final int MAX_TEXT_LAYER = 1 << 20;
    private static final int MAX_JSON_LAYER = 4 << 20;

    private final ModelStore store;
    private final LocalModelLibrary library;

    /** The catalog of a library: pull and create go through it, reads go to its store directly. */
    public ModelCatalog(LocalModelLibrary library) {
        this.library = library;
        this.store = library.store();
    }

    /** A catalog over a store with default pull options (tests, tools). */
    public ModelCatalog(ModelStore store) {
        this(new LocalModelLibrary(store, PullOptions.defaults(), Hardware.totalMemoryBytes(),
                HearthSettings.DEFAULT_CONTEXT_LENGTH, w -> {}));
    }

    public ModelStore store() {
        return store;
    }

    public LocalModelLibrary library() {
        return library;
    }

    /** Parses a model name from a request; invalid names are a 400 naming the field. */
    public static ModelName parseName(String text, String field) {
        try {
            return ModelName.parse(text);
        } catch (InvalidModelNameException e) {
            throw ApiException.badRequest("'" + field + "': " + e.getMessage());
        }
    }

    public List<StoredModel> list(Consumer<String> warnings) {
        try {
            return store.list(warnings);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the model store " + store.root() + ": " + e.getMessage(), e);
        }
    }

    /** The installed model of that name; 404 if it is not installed. */
    public StoredModel get(ModelName name) {
        try {
            return store.find(name).orElseThrow(() -> ApiException.modelNotFound(name.displayShortest()));
        } catch (IOException e) {
            throw storeFailure(e);
        }
    }

    /** The model with its layers read, ready to load. */
    public ResolvedModel resolve(ModelName name) {
        return resolve(get(name));
    }

    public ResolvedModel resolve(StoredModel model) {
        try {
            Layer weightsLayer = model.manifest().modelLayer().orElseThrow(() -> new ApiException(400,
                    "model '" + model.name().displayShortest() + "' has no weights layer; it cannot be run"));
            Path weights = store.requireBlob(weightsLayer);
            Optional<String> template = lastText(model, MediaTypes.TEMPLATE).or(() -> lastText(model, MediaTypes.PROMPT));
            Optional<String> system = lastText(model, MediaTypes.SYSTEM);
            ObjectNode params = Json.object();
            for (Layer l : model.manifest().layers(MediaTypes.PARAMS)) {
                JsonNode n = parseLayer(model, l);
                if (n.isObject()) {
                    params.setAll((ObjectNode) n);
                }
            }
            List<ObjectNode> messages = new ArrayList<>();
            for (Layer l : model.manifest().layers(MediaTypes.MESSAGES)) {
                JsonNode n = parseLayer(model, l);
                if (n.isArray()) {
                    for (JsonNode m : n) {
                        if (m.isObject()) {
                            messages.add((ObjectNode) m);
                        }
                    }
                }
            }
            List<String> license = new ArrayList<>();
            for (Layer l : model.manifest().layers(MediaTypes.LICENSE)) {
                license.add(text(l));
            }
            ObjectNode config = Json.object();
            Layer configLayer = model.manifest().config();
            if (configLayer != null && store.hasBlob(configLayer.digest(), configLayer.size())) {
                try {
                    JsonNode n = Json.mapper().readTree(store.readBlob(configLayer, MAX_JSON_LAYER));
                    if (n != null && n.isObject()) {
                        config = (ObjectNode) n;
                    }
                } catch (JacksonException e) {
                    // details are cosmetic (family, quantization); a damaged config blob does not stop the model
                }
            }
            return new ResolvedModel(model, weights, template, system, params, messages, license, config,
                    !model.manifest().layers(MediaTypes.PROJECTOR).isEmpty(),
                    !model.manifest().layers(MediaTypes.ADAPTER).isEmpty());
        } catch (IOException e) {
            throw storeFailure(e);
        }
    }

    private Optional<String> lastText(StoredModel model, String mediaType) {
        List<Layer> layers = model.manifest().layers(mediaType);
        if (layers.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(text(layers.getLast()));
        } catch (IOException e) {
            throw storeFailure(e);
        }
    }

    private String text(Layer layer) throws IOException {
        return new String(store.readBlob(layer, MAX_TEXT_LAYER), StandardCharsets.UTF_8);
    }

    private JsonNode parseLayer(StoredModel model, Layer l) throws IOException {
        try {
            JsonNode n = Json.mapper().readTree(store.readBlob(l, MAX_JSON_LAYER));
            return n == null ? Json.object() : n;
        } catch (JacksonException e) {
            throw new ApiException(500, "the " + l.mediaType().substring(l.mediaType().lastIndexOf('.') + 1)
                    + " layer of model '" + model.name().displayShortest() + "' is not valid JSON: " + e.getOriginalMessage());
        }
    }

    public void copy(ModelName source, ModelName destination) {
        try {
            get(source);
            store.copy(source, destination);
        } catch (IOException e) {
            throw storeFailure(e);
        }
    }

    public StoredModel delete(ModelName name) {
        try {
            get(name);
            return store.delete(name);
        } catch (ModelNotFoundException e) {
            throw ApiException.modelNotFound(name.displayShortest());
        } catch (IOException e) {
            throw storeFailure(e);
        }
    }

    /** A store I/O failure: a missing model is a 404, a damaged store a 500 with the reason. */
    public static RuntimeException storeFailure(IOException e) {
        if (e instanceof ModelNotFoundException) {
            return new ApiException(404, e.getMessage());
        }
        if (e instanceof StoreException) {
            return new ApiException(500, e.getMessage());
        }
        return new UncheckedIOException(e);
    }
}
