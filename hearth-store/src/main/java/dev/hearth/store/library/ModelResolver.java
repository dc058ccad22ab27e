package dev.hearth.store.library;

import dev.hearth.store.InvalidModelNameException;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelStore;
import dev.hearth.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns what a user passes to {@code run} or {@code generate --model} into a model to load: an existing
 * file is used as a GGUF path; anything that looks like a path but does not exist is reported as a missing
 * file; everything else is an installed model's name. Only reads the store (never writes), so it works on a
 * read-only or shared Ollama store.
 */
public final class ModelResolver {

    private final ModelStore store;

    public ModelResolver(ModelStore store) {
        this.store = store;
    }

    public ResolvedModel resolve(String nameOrPath) throws IOException {
        if (nameOrPath == null || nameOrPath.isBlank()) {
            throw new StoreException("no model given");
        }
        Path path = null;
        try {
            path = Path.of(nameOrPath);
        } catch (InvalidPathException e) {
            // not a path on this system: must be a name
        }
        if (path != null && Files.isRegularFile(path)) {
            return ResolvedModel.ofFile(path);
        }
        if (path != null && Files.isDirectory(path) && looksLikePath(nameOrPath)) {
            throw new StoreException(nameOrPath + " is a directory, not a GGUF file");
        }
        if (looksLikePath(nameOrPath)) {
            throw new NoSuchFileException(nameOrPath, null, "no such file");
        }
        ModelName name;
        try {
            name = ModelName.parse(nameOrPath);
        } catch (InvalidModelNameException e) {
            throw new InvalidModelNameException("'" + nameOrPath + "' is neither a file nor a model name ("
                    + e.getMessage() + ")");
        }
        return InstalledModel.read(store, store.get(name)).resolved();
    }

    /** Paths: explicitly relative or absolute, with a backslash, or named like a model file. */
    static boolean looksLikePath(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        return s.startsWith("/") || s.startsWith("./") || s.startsWith("../") || s.startsWith("~") || s.contains("\\")
                || lower.endsWith(".gguf") || lower.endsWith(".bin")
                || (s.length() > 2 && s.charAt(1) == ':' && (s.charAt(2) == '\\' || s.charAt(2) == '/'));
    }
}
