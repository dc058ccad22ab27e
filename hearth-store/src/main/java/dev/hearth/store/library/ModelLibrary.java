package dev.hearth.store.library;

import dev.hearth.store.Progress;
import dev.hearth.store.modelfile.Modelfile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The model operations behind {@code hearth pull/list/show/rm/cp/create}. {@link LocalModelLibrary} works on
 * this machine's store; an implementation that talks to a running Hearth server (Ollama's {@code /api/pull},
 * {@code /api/tags}, {@code /api/show}, {@code /api/delete}, {@code /api/copy}, {@code /api/create}) can
 * take its place without the commands changing. Names are strings as the user typed them; every
 * implementation validates them before doing anything.
 */
public interface ModelLibrary {

    /** Downloads a model (or brings it up to date) from its registry. */
    ModelSummary pull(String name, boolean insecure, Progress progress) throws IOException;

    /** Installed models, newest first. */
    List<ModelSummary> list() throws IOException;

    /** Everything known about an installed model. */
    ModelDetails show(String name) throws IOException;

    /** Removes a model; its blobs go too unless another model uses them. */
    void delete(String name) throws IOException;

    /** Installs {@code source} under a second name (sharing its blobs). */
    void copy(String source, String destination) throws IOException;

    /**
     * Builds a model from a Modelfile.
     *
     * @param baseDirectory directory relative FROM paths are resolved against (the Modelfile's)
     * @param quantize a quantization type to convert the weights to (e.g. Q4_K_M), or null
     */
    ModelSummary create(String name, Modelfile modelfile, Path baseDirectory, String quantize, Progress progress)
            throws IOException;
}
