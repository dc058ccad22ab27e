package dev.hearth.store.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The tiny random-weight GGUF models in the repository's {@code testdata/models} (see testdata/README.md). */
public final class TestModels {
    private TestModels() {}

    /** The {@code testdata} directory, from the {@code hearth.testdata} property surefire sets. */
    public static Path testdata() {
        String p = System.getProperty("hearth.testdata");
        Path dir = p != null ? Path.of(p) : Path.of("testdata");
        if (!Files.isDirectory(dir)) {
            dir = Path.of("..", "testdata");
        }
        if (!Files.isDirectory(dir.resolve("models"))) {
            throw new IllegalStateException("test data not found at " + dir.toAbsolutePath()
                    + " (set -Dhearth.testdata)");
        }
        return dir;
    }

    public static Path model(String fileName) {
        return testdata().resolve("models").resolve(fileName);
    }

    /** The smallest llama test model (1.7 MB, Q2_K). */
    public static Path smallLlama() {
        return model("llama-spm-Q2_K.gguf");
    }

    /** A Q8_0 llama (3.6 MB). */
    public static Path llamaQ8() {
        return model("llama-spm-Q8_0.gguf");
    }

    public static final String TEMPLATE = "{{ if .System }}<|system|>{{ .System }}{{ end }}"
            + "{{ range .Messages }}<|{{ .Role }}|>{{ .Content }}{{ end }}<|assistant|>";
    public static final String SYSTEM = "You are a tiny test model.";
    public static final String PARAMS = "{\"stop\":[\"<|user|>\"],\"temperature\":0.5,\"num_ctx\":512}";
    public static final String LICENSE = "Test licence: random weights, no warranty.";
}
