package dev.hearth.server;

import dev.hearth.store.BlobPins;
import dev.hearth.store.Layer;
import dev.hearth.store.Manifest;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelStore;
import dev.hearth.store.StoredModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Installs the repository's tiny test models into a temporary store, as a pull or create would. */
final class TestStores {
    private TestStores() {}

    static Path testdata() {
        String p = System.getProperty("hearth.testdata");
        Path dir = p != null ? Path.of(p) : Path.of("..", "testdata");
        if (!Files.isDirectory(dir.resolve("models"))) {
            throw new IllegalStateException("test data not found at " + dir.toAbsolutePath() + " (set -Dhearth.testdata)");
        }
        return dir;
    }

    static Path model(String file) {
        return testdata().resolve("models").resolve(file);
    }

    /**
     * Installs {@code gguf} under {@code name} with optional template, system and params (JSON) layers.
     */
    static StoredModel install(ModelStore store, String name, Path gguf, String template, String system, String params)
            throws IOException {
        try (BlobPins pins = store.newPins(); InputStream in = Files.newInputStream(gguf)) {
            List<Layer> layers = new ArrayList<>();
            layers.add(store.importBlob(in, MediaTypes.MODEL, n -> {}, pins));
            if (template != null) {
                layers.add(store.putBlob(template.getBytes(StandardCharsets.UTF_8), MediaTypes.TEMPLATE, pins));
            }
            if (system != null) {
                layers.add(store.putBlob(system.getBytes(StandardCharsets.UTF_8), MediaTypes.SYSTEM, pins));
            }
            if (params != null) {
                layers.add(store.putBlob(params.getBytes(StandardCharsets.UTF_8), MediaTypes.PARAMS, pins));
            }
            byte[] config = ("{\"model_format\":\"gguf\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")
                    .getBytes(StandardCharsets.UTF_8);
            Layer configLayer = store.putBlob(config, MediaTypes.CONFIG, pins);
            return store.commitManifest(ModelName.parse(name), Manifest.of(configLayer, layers).toJson());
        }
    }
}
