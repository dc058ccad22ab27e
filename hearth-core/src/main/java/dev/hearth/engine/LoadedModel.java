package dev.hearth.engine;

import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.model.Architectures;
import dev.hearth.model.Model;
import dev.hearth.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file opened for inference: the mapping, the model and its tokenizer. Closing it unmaps the
 * weights, so every {@link Generator} using it must be closed first.
 */
public record LoadedModel(GgufFile file, Model model, Tokenizer tokenizer) implements AutoCloseable {

    /**
     * Opens {@code path}; a malformed file or an unsupported architecture fails with a {@link GgufException}
     * whose message starts with the file name.
     */
    public static LoadedModel open(Path path) throws IOException {
        GgufFile file = GgufFile.open(path);
        try {
            return new LoadedModel(file, Architectures.load(file), Tokenizer.fromGguf(file));
        } catch (RuntimeException e) {
            file.close();
            String name = path.getFileName().toString();
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new GgufException(message.startsWith(name) ? message : name + ": " + message, e);
        }
    }

    /** Context length to use by default: the model's, capped to keep the KV cache modest. */
    public int defaultContextLength(int cap) {
        return Math.min(model.config().contextLength(), cap);
    }

    @Override
    public void close() {
        file.close();
    }
}
