package dev.hearth.model;

import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The registry of supported architectures, keyed by {@code general.architecture}. */
public final class Architectures {
    private static final Map<String, Architecture> BY_NAME = new TreeMap<>();

    static {
        for (Architecture a : List.of(
                new LlamaArchitecture(),
                new Qwen2Architecture(),
                new Qwen3Architecture(),
                new Gemma3Architecture(),
                new Phi3Architecture())) {
            BY_NAME.put(a.name(), a);
        }
    }

    private Architectures() {}

    public static java.util.Set<String> supported() {
        return BY_NAME.keySet();
    }

    /** Loads the model in {@code file}, repacking in memory; an unknown architecture fails with a clear message. */
    public static Model load(GgufFile file) {
        return load(file, RepackedMatrices.inMemory(file));
    }

    /**
     * Loads the model in {@code file} with its repacked matrices from {@code repacked} (which then writes its
     * cache file, if it has one and anything was repacked); an unknown architecture fails with a clear message.
     */
    public static Model load(GgufFile file, RepackedMatrices repacked) {
        String name = file.architecture();
        Architecture a = BY_NAME.get(name);
        if (a == null) {
            throw new GgufException("architecture " + name + " is not supported (supported: "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        Model model = a.load(file, repacked);
        repacked.loaded();
        return model;
    }
}
