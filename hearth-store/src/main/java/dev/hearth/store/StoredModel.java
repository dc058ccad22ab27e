package dev.hearth.store;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A model installed in the store: its name and manifest as read from {@code manifests/<host>/<ns>/<model>/<tag>}.
 *
 * @param manifestDigest SHA-256 of the manifest file's bytes; its first 12 hex digits are the model's ID
 * @param modified when the manifest was last written (pulled, created or copied)
 */
public record StoredModel(ModelName name, Manifest manifest, Digest manifestDigest, Instant modified,
        Path manifestPath) {

    /** The 12-hex-digit ID that {@code list} shows, as Ollama does. */
    public String id() {
        return manifestDigest.shortHex();
    }

    public long size() {
        return manifest.totalSize();
    }
}
