package dev.hearth.engine;

import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.model.Architectures;
import dev.hearth.model.Model;
import dev.hearth.model.RepackedMatrices;
import dev.hearth.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file opened for inference: the mapping, the model, its tokenizer and where its repacked matrices
 * live. Closing it unmaps the weights, so every {@link Generator} using it must be closed first.
 */
public record LoadedModel(GgufFile file, Model model, Tokenizer tokenizer, RepackedMatrices repacked)
        implements AutoCloseable {

    /** {@link #open(Path, Path)} without a repack cache: matrices are repacked in memory at every load. */
    public static LoadedModel open(Path path) throws IOException {
        return open(path, null);
    }

    /**
     * Opens {@code path}, its repacked matrices from (or, after this load, written to) the cache in
     * {@code repackCache} ({@code HEARTH_REPACK_CACHE}; null for none); a malformed file or an unsupported
     * architecture fails with a {@link GgufException} whose message starts with the file name.
     */
    public static LoadedModel open(Path path, Path repackCache) throws IOException {
        GgufFile file = GgufFile.open(path);
        RepackedMatrices repacked = null;
        try {
            repacked = RepackedMatrices.cached(file, repackCache);
            return new LoadedModel(file, Architectures.load(file, repacked), Tokenizer.fromGguf(file), repacked);
        } catch (RuntimeException e) {
            if (repacked != null) {
                repacked.close();
            }
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
        // The cache writer reads repacked memory that closing the file frees: it finishes first.
        repacked.close();
        file.close();
    }
}
