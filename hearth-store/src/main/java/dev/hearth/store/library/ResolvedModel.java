package dev.hearth.store.library;

import dev.hearth.store.modelfile.ChatMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model ready to load, from an installed name or a GGUF path ({@link ModelResolver}).
 *
 * @param name the installed model's name ({@code tiny:q8}), or the file name for a path
 * @param modelPath the GGUF weights (a blob in the store, or the file itself)
 * @param installed true if it came from the store
 * @param template the model's TEMPLATE layer, or null. Models from Ollama's library carry Go-template syntax
 *     here; the GGUF's own {@code tokenizer.chat_template} (Jinja) is in the file
 * @param system the SYSTEM layer, or null
 * @param parameters PARAMETER values (Integer, Double, Boolean, List&lt;String&gt; for stop)
 * @param messages MESSAGE history to put before the user's conversation
 * @param projectors multimodal projector blobs (not used by Hearth yet)
 * @param adapters LoRA adapter blobs (not used by Hearth yet)
 */
public record ResolvedModel(String name, Path modelPath, boolean installed, String template, String system,
        Map<String, Object> parameters, List<ChatMessage> messages, List<Path> projectors, List<Path> adapters) {

    public ResolvedModel {
        parameters = Map.copyOf(parameters);
        messages = List.copyOf(messages);
        projectors = List.copyOf(projectors);
        adapters = List.copyOf(adapters);
    }

    /** A bare GGUF file: no template, system prompt or parameters beyond what the file holds. */
    public static ResolvedModel ofFile(Path gguf) {
        return new ResolvedModel(gguf.getFileName().toString(), gguf, false, null, null, Map.of(), List.of(),
                List.of(), List.of());
    }

    public Optional<Integer> intParameter(String name) {
        return parameters.get(name) instanceof Integer i ? Optional.of(i) : Optional.empty();
    }

    public Optional<Double> doubleParameter(String name) {
        Object v = parameters.get(name);
        return v instanceof Double d ? Optional.of(d) : v instanceof Integer i ? Optional.of(i.doubleValue()) : Optional.empty();
    }

    /** {@code stop} sequences (empty if none). */
    public List<String> stop() {
        return parameters.get("stop") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
    }
}
