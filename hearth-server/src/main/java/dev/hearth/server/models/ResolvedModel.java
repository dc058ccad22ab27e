package dev.hearth.server.models;

import dev.hearth.store.ModelName;
import dev.hearth.store.StoredModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * An installed model with its layers read: what loading and prompting it needs.
 *
 * @param model the store entry (name, manifest, digest, modification time)
 * @param weights the GGUF blob
 * @param template the TEMPLATE layer, if any (Ollama's Go template syntax, or Jinja)
 * @param system the SYSTEM layer, if any
 * @param params the PARAMS layer: default request options ({@code {"stop": [...], "temperature": 0.5}})
 * @param messages the MESSAGES layer: a conversation prepended to every chat
 * @param license LICENSE layers' texts
 * @param config the config blob (model_format, model_family, file_type...), empty if unreadable
 * @param projector whether the model has a vision projector (not supported yet)
 * @param adapters whether the model has LoRA adapters (not supported yet)
 */
public record ResolvedModel(StoredModel model, Path weights, Optional<String> template, Optional<String> system,
        ObjectNode params, List<ObjectNode> messages, List<String> license, ObjectNode config, boolean projector,
        boolean adapters) {

    public ModelName name() {
        return model.name();
    }

    /** The name as clients show it ({@code llama3:latest}). */
    public String displayName() {
        return model.name().displayShortest();
    }

    /** The manifest digest, {@code sha256:<hex>}: identifies this exact model version. */
    public String digest() {
        return model.manifestDigest().toString();
    }
}
