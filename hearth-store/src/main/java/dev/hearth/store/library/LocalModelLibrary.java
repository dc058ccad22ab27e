package dev.hearth.store.library;

import dev.hearth.config.HearthSettings;
import dev.hearth.convert.FileType;
import dev.hearth.convert.ModelQuantizer;
import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.store.BlobPins;
import dev.hearth.store.HumanBytes;
import dev.hearth.store.Json;
import dev.hearth.store.Layer;
import dev.hearth.store.Manifest;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.MissingBlobException;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelNotFoundException;
import dev.hearth.store.ModelStore;
import dev.hearth.store.Progress;
import dev.hearth.store.StoreException;
import dev.hearth.store.StoredModel;
import dev.hearth.store.WeightsPreparation;
import dev.hearth.store.hardware.Hardware;
import dev.hearth.store.hardware.MemoryEstimate;
import dev.hearth.store.modelfile.ChatMessage;
import dev.hearth.store.modelfile.Modelfile;
import dev.hearth.store.modelfile.ModelParameters;
import dev.hearth.store.pull.Puller;
import dev.hearth.store.pull.PullOptions;
import dev.hearth.store.pull.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@link ModelLibrary} on this machine's store. */
public final class LocalModelLibrary implements ModelLibrary {

    private final ModelStore store;
    private final PullOptions pullOptions;
    private final long machineMemory;
    private final int defaultContextLength;
    private final Consumer<String> warnings;
    private final WeightsPreparation preparation;
    private HttpClient http;

    /**
     * @param machineMemory physical memory for fit checks (0: unknown)
     * @param defaultContextLength context length a model runs with unless its parameters say otherwise
     * @param warnings where problems that do not stop an operation go (unreadable manifests in a listing)
     */
    public LocalModelLibrary(ModelStore store, PullOptions pullOptions, long machineMemory, int defaultContextLength,
            Consumer<String> warnings) {
        this(store, pullOptions, machineMemory, defaultContextLength, warnings, WeightsPreparation.NONE);
    }

    /**
     * @param preparation run on a pulled or created model's weights before "success" (the repack cache)
     */
    public LocalModelLibrary(ModelStore store, PullOptions pullOptions, long machineMemory, int defaultContextLength,
            Consumer<String> warnings, WeightsPreparation preparation) {
        this.preparation = preparation;
        this.store = store;
        this.pullOptions = pullOptions;
        this.machineMemory = machineMemory;
        this.defaultContextLength = defaultContextLength;
        this.warnings = warnings;
    }

    /** The library of {@code HEARTH_MODELS}, with default pull options and this machine's memory. */
    public static LocalModelLibrary open(HearthSettings settings, Consumer<String> warnings) {
        return new LocalModelLibrary(new ModelStore(settings.models()), PullOptions.defaults(),
                Hardware.totalMemoryBytes(), settings.contextLength(), warnings,
                settings.repackCache().map(WeightsPreparation::repackCache).orElse(WeightsPreparation.NONE));
    }

    public ModelStore store() {
        return store;
    }

    public ModelResolver resolver() {
        return new ModelResolver(store);
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = RegistryClient.newHttpClient(pullOptions.connectTimeout());
        }
        return http;
    }

    @Override
    public ModelSummary pull(String name, boolean insecure, Progress progress) throws IOException {
        StoredModel m = new Puller(store, pullOptions.withInsecure(insecure), http(), machineMemory, preparation)
                .pull(name, progress);
        return summary(m);
    }

    @Override
    public List<ModelSummary> list() throws IOException {
        List<ModelSummary> out = new ArrayList<>();
        for (StoredModel m : store.list(warnings)) {
            out.add(summary(m));
        }
        return out;
    }

    private ModelSummary summary(StoredModel m) {
        String family = null;
        String type = null;
        String fileType = null;
        try {
            var config = Json.parse(store.readBlob(m.manifest().config(), 1 << 20), "config");
            family = string(config.get("model_family"));
            type = string(config.get("model_type"));
            fileType = string(config.get("file_type"));
        } catch (IOException e) {
            // details are optional in a listing
        }
        return new ModelSummary(m.name().displayShortest(), m.name().toString(), m.id(), m.size(), m.modified(),
                family, type, fileType);
    }

    private static String string(tools.jackson.databind.JsonNode n) {
        return n != null && n.isString() && !n.stringValue().isEmpty() ? n.stringValue() : null;
    }

    @Override
    public ModelDetails show(String nameText) throws IOException {
        StoredModel m = store.get(ModelName.parse(nameText));
        InstalledModel im = InstalledModel.read(store, m);
        ModelFacts facts = facts(im.modelPath(), m.name().displayShortest());
        List<String> capabilities = capabilities(facts, im);
        String template = im.template() != null ? im.template() : facts.chatTemplate();
        MemoryEstimate memory = MemoryEstimate.of(facts, contextLength(facts, im.parameters()));
        Modelfile mf = new Modelfile(im.modelPath().toString(), im.template(), im.system(), im.parameters(),
                im.messages(), im.licenses(), List.of());
        String modelfile = "# Modelfile generated by \"hearth show\"\n"
                + "# To build a new Modelfile based on this, replace FROM with:\n"
                + "# FROM " + m.name().displayShortest() + "\n\n" + mf.render();
        return new ModelDetails(summary(m), im.modelPath(), facts, capabilities, template, im.system(),
                im.parameters(), im.licenses(), im.messages(), memory, machineMemory, modelfile);
    }

    /** The context a model runs with by default: its num_ctx parameter or the setting, capped by its training length. */
    long contextLength(ModelFacts facts, Map<String, Object> params) {
        long wanted = params.get("num_ctx") instanceof Integer n && n > 0 ? n : defaultContextLength;
        return facts.contextLength() > 0 ? Math.min(wanted, facts.contextLength()) : wanted;
    }

    private static ModelFacts facts(Path gguf, String what) throws IOException {
        try (GgufFile f = GgufFile.open(gguf)) {
            return ModelFacts.of(f);
        } catch (GgufException | ArithmeticException e) {
            throw new StoreException("the weights of " + what + " are not a valid GGUF file: " + e.getMessage(), e);
        }
    }

    private static List<String> capabilities(ModelFacts facts, InstalledModel im) {
        List<String> caps = new ArrayList<>();
        caps.add(facts.embeddingModel() ? "embedding" : "completion");
        String template = im.template() != null ? im.template() : facts.chatTemplate();
        if (template != null && template.contains("tools")) {
            caps.add("tools");
        }
        if (template != null && template.contains("<think>")) {
            caps.add("thinking");
        }
        if (!im.projectors().isEmpty()) {
            caps.add("vision");
        }
        return caps;
    }

    @Override
    public void delete(String name) throws IOException {
        store.delete(ModelName.parse(name));
    }

    @Override
    public void copy(String source, String destination) throws IOException {
        ModelName src = ModelName.parse(source);
        ModelName dst = ModelName.parse(destination);
        store.copy(src, dst);
    }

    // ---- create ---------------------------------------------------------------------------------------

    /** What FROM provides: weight layers to reference, and what a named model passes on. */
    private record Base(List<Layer> weights, ModelFacts facts, String template, String system,
            Map<String, Object> parameters, List<ChatMessage> messages, List<String> licenses) {}

    @Override
    public ModelSummary create(String nameText, Modelfile modelfile, Path baseDirectory, String quantize,
            Progress progress) throws IOException {
        ModelName name = ModelName.parse(nameText);
        FileType quantizeTo = quantize == null ? null : quantizeType(quantize);
        progress.status("gathering model components");
        modelfile.warnings().forEach(progress::warning);
        try (BlobPins pins = store.newPins()) {
            for (int round = 0; ; round++) {
                Base base = base(modelfile.from(), baseDirectory, quantizeTo, pins, progress);
                List<Layer> layers = new ArrayList<>(base.weights());
                String template = modelfile.template() != null ? modelfile.template() : base.template();
                String system = modelfile.system() != null ? modelfile.system() : base.system();
                Map<String, Object> params = new LinkedHashMap<>(base.parameters());
                params.putAll(modelfile.parameters());
                List<ChatMessage> messages = modelfile.messages().isEmpty() ? base.messages() : modelfile.messages();
                List<String> licenses = modelfile.licenses().isEmpty() ? base.licenses() : modelfile.licenses();
                if (template != null) {
                    layers.add(text(template, MediaTypes.TEMPLATE, pins, progress));
                }
                if (system != null) {
                    layers.add(text(system, MediaTypes.SYSTEM, pins, progress));
                }
                if (!params.isEmpty()) {
                    layers.add(layer(Json.bytes(ModelParameters.toJson(params)), MediaTypes.PARAMS, pins, progress));
                }
                if (!messages.isEmpty()) {
                    ArrayNode arr = Json.mapper().createArrayNode();
                    for (ChatMessage msg : messages) {
                        arr.addObject().put("role", msg.role()).put("content", msg.content());
                    }
                    layers.add(layer(Json.bytes(arr), MediaTypes.MESSAGES, pins, progress));
                }
                for (String license : licenses) {
                    layers.add(text(license, MediaTypes.LICENSE, pins, progress));
                }
                Layer config = store.putBlob(config(base.facts(), layers), MediaTypes.CONFIG, pins);
                Manifest manifest = Manifest.of(config, layers);
                progress.status("writing manifest");
                try {
                    StoredModel stored = store.commitManifest(name, manifest.toJson());
                    manifest.modelLayer().ifPresent(w -> preparation.prepare(store.blobPath(w.digest()), progress));
                    progress.status("success");
                    return summary(stored);
                } catch (MissingBlobException e) {
                    if (round >= 1) {
                        throw e;
                    }
                    progress.warning("a layer was removed by another process while creating; gathering it again");
                }
            }
        }
    }

    /** The type {@code --quantize} names, checked before any work. */
    private static FileType quantizeType(String text) throws StoreException {
        try {
            return FileType.parse(text);
        } catch (IllegalArgumentException e) {
            throw new StoreException("--quantize: " + e.getMessage());
        }
    }

    /**
     * Writes {@code source}'s weights in {@code type} ({@link ModelQuantizer}: llama.cpp's tensor type choices
     * and reference rounding) straight into the blobs directory, renamed into place once complete. Like Ollama,
     * only float weights are quantized: requantizing quantized weights compounds their rounding error.
     */
    private Layer quantize(Path source, FileType type, BlobPins pins, Progress progress) throws IOException {
        try (GgufFile f = GgufFile.open(source)) {
            for (GgufTensorInfo t : f.tensors()) {
                if (t.dimensions() >= 2 && t.type().isQuantized()) {
                    throw new StoreException("--quantize: the weights are already quantized (tensor " + t.name() + " is "
                            + t.type() + "); quantize from a model with F32, F16 or BF16 weights");
                }
            }
        } catch (GgufException e) {
            throw new StoreException("--quantize: the weights are not a valid GGUF file: " + e.getMessage(), e);
        }
        progress.status("quantizing " + HumanBytes.format(Files.size(source)) + " of weights to " + type.name());
        Path tmp = store.newTemporaryBlobFile();
        try {
            ModelQuantizer.quantize(source, tmp, type, Runtime.getRuntime().availableProcessors());
            Layer layer = store.adoptBlob(tmp, MediaTypes.MODEL, pins);
            progress.status("using quantized model layer " + layer.digest());
            return layer;
        } catch (GgufException | IllegalArgumentException e) {
            throw new StoreException("--quantize " + type.name() + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private Base base(String from, Path baseDirectory, FileType quantizeTo, BlobPins pins, Progress progress)
            throws IOException {
        Path file = fromPath(from, baseDirectory);
        if (file != null && Files.isDirectory(file)) {
            throw new StoreException("FROM " + from + " is a directory; Hearth imports GGUF files only"
                    + " (convert safetensors models to GGUF first)");
        }
        if (file != null && Files.isRegularFile(file)) {
            ModelFacts facts = facts(file, from);
            if (quantizeTo != null) {
                Layer model = quantize(file, quantizeTo, pins, progress);
                return new Base(List.of(model), facts(store.requireBlob(model), "the quantized model"), null, null,
                        Map.of(), List.of(), List.of());
            }
            long size = Files.size(file);
            String label = "copying " + file.getFileName();
            progress.status("copying model data (" + HumanBytes.format(size) + ")");
            Layer model;
            try (InputStream in = Files.newInputStream(file)) {
                model = store.importBlob(in, MediaTypes.MODEL, done -> progress.copying(label, done, size), pins);
            }
            progress.status("using model layer " + model.digest());
            return new Base(List.of(model), facts, null, null, Map.of(), List.of(), List.of());
        }
        if (file != null && ModelResolver.looksLikePath(from)) {
            throw new NoSuchFileException(file.toString(), null, "FROM: no such file");
        }
        ModelName baseName;
        try {
            baseName = ModelName.parse(from);
        } catch (IllegalArgumentException e) {
            throw new StoreException("FROM " + from + ": no such file, and not a valid model name");
        }
        StoredModel stored = store.find(baseName).orElseThrow(() -> new ModelNotFoundException("FROM " + from
                + ": no such file, and no installed model '" + baseName.displayShortest() + "' (pull it first)"));
        InstalledModel im = InstalledModel.read(store, stored);
        for (Layer l : im.weightLayers()) {
            pins.add(store, l.digest());
            store.requireBlob(l);
            progress.status("using existing layer " + l.digest());
        }
        List<Layer> weights = im.weightLayers();
        ModelFacts facts = facts(im.modelPath(), from);
        if (quantizeTo != null) {
            weights = new ArrayList<>(weights);
            for (int i = 0; i < weights.size(); i++) {
                if (weights.get(i).mediaType().equals(MediaTypes.MODEL)) {
                    weights.set(i, quantize(store.requireBlob(weights.get(i)), quantizeTo, pins, progress));
                    facts = facts(store.requireBlob(weights.get(i)), "the quantized model");
                }
            }
        }
        return new Base(weights, facts, im.template(), im.system(), im.parameters(), im.messages(), im.licenses());
    }

    private static Path fromPath(String from, Path baseDirectory) {
        try {
            String f = from;
            if (f.equals("~") || f.startsWith("~/")) {
                f = System.getProperty("user.home") + f.substring(1);
            }
            Path p = Path.of(f);
            return p.isAbsolute() ? p : baseDirectory.resolve(p);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    private Layer text(String content, String mediaType, BlobPins pins, Progress progress) throws IOException {
        return layer(content.getBytes(StandardCharsets.UTF_8), mediaType, pins, progress);
    }

    private Layer layer(byte[] content, String mediaType, BlobPins pins, Progress progress) throws IOException {
        Layer l = store.putBlob(content, mediaType, pins);
        progress.status("using layer " + l.digest() + " (" + mediaType.substring(mediaType.lastIndexOf('.') + 1) + ")");
        return l;
    }

    /** The config blob Ollama writes: format, family, size and quantization, and the layers as diff ids. */
    private static byte[] config(ModelFacts facts, List<Layer> layers) {
        ObjectNode c = Json.object();
        c.put("model_format", "gguf");
        c.put("model_family", facts.architecture());
        c.putArray("model_families").add(facts.architecture());
        c.put("model_type", facts.parameterSize());
        c.put("file_type", facts.quantization());
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        c.put("architecture", arch.equals("x86_64") || arch.equals("amd64") ? "amd64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : arch);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        c.put("os", os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : os.contains("linux") ? "linux" : os);
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        for (Layer l : layers) {
            ids.add(l.digest().toString());
        }
        return Json.bytes(c);
    }
}
