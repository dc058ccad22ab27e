package dev.hearth.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A model manifest: Docker image manifest v2 (schema 2) whose config blob describes the model and whose
 * layers hold the GGUF weights, template, system prompt, parameters, messages and license.
 *
 * <pre>{@code
 * {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
 *  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": "sha256:...", "size": 487},
 *  "layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:...", "size": 4661211808}, ...]}
 * }</pre>
 */
public record Manifest(int schemaVersion, String mediaType, Layer config, List<Layer> layers) {

    /** Largest manifest accepted from a registry or read from disk. Real ones are under 2 KB. */
    public static final int MAX_BYTES = 1 << 20;
    /** Real models have fewer than ten layers. */
    public static final int MAX_LAYERS = 1024;

    public Manifest {
        layers = List.copyOf(layers);
    }

    /** A manifest as Hearth writes it (schema 2, Docker media type). */
    public static Manifest of(Layer config, List<Layer> layers) {
        return new Manifest(2, MediaTypes.MANIFEST_V2, config, layers);
    }

    /**
     * Parses and validates a manifest: schema 2, a config blob and at least one layer, every digest
     * {@code sha256:<64 hex>}, every size a non-negative whole number, total size without overflow.
     */
    public static Manifest parse(byte[] json) throws StoreException {
        if (json.length > MAX_BYTES) {
            throw new StoreException("manifest is " + json.length + " bytes, more than the limit of " + MAX_BYTES);
        }
        JsonNode root = Json.parse(json, "manifest");
        if (!root.isObject()) {
            throw new StoreException("manifest is not a JSON object");
        }
        JsonNode sv = root.get("schemaVersion");
        if (sv == null || !sv.isIntegralNumber() || !sv.canConvertToInt() || sv.intValue() != 2) {
            throw new StoreException("unsupported manifest: schemaVersion must be 2");
        }
        String mediaType = null;
        JsonNode mt = root.get("mediaType");
        if (mt != null && !mt.isNull()) {
            if (!mt.isString()) {
                throw new StoreException("manifest mediaType is not a string");
            }
            mediaType = mt.stringValue();
            if (!mediaType.equals(MediaTypes.MANIFEST_V2) && !mediaType.equals(MediaTypes.OCI_MANIFEST)) {
                throw new StoreException("unsupported manifest media type \"" + shorten(mediaType)
                        + "\" (expected " + MediaTypes.MANIFEST_V2 + ")");
            }
        }
        Layer config = Layer.fromJson(root.get("config"), "manifest config");
        JsonNode ls = root.get("layers");
        if (ls == null || !ls.isArray()) {
            throw new StoreException("manifest has no layers array");
        }
        if (ls.size() == 0) {
            throw new StoreException("manifest has no layers");
        }
        if (ls.size() > MAX_LAYERS) {
            throw new StoreException("manifest has " + ls.size() + " layers, more than the limit of " + MAX_LAYERS);
        }
        List<Layer> layers = new ArrayList<>(ls.size());
        for (int i = 0; i < ls.size(); i++) {
            layers.add(Layer.fromJson(ls.get(i), "manifest layer " + i));
        }
        Map<Digest, Long> sizes = new LinkedHashMap<>();
        sizes.put(config.digest(), config.size());
        for (Layer l : layers) {
            Long earlier = sizes.putIfAbsent(l.digest(), l.size());
            if (earlier != null && earlier != l.size()) {
                throw new StoreException("manifest lists blob " + l.digest() + " twice with different sizes ("
                        + earlier + " and " + l.size() + ")");
            }
        }
        Manifest m = new Manifest(2, mediaType, config, layers);
        try {
            m.totalSize();
        } catch (ArithmeticException e) {
            throw new StoreException("manifest layer sizes add up to more than 2^63 bytes");
        }
        return m;
    }

    /** Compact JSON, in Ollama's field order. */
    public byte[] toJson() {
        ObjectNode root = Json.object();
        root.put("schemaVersion", schemaVersion);
        root.put("mediaType", mediaType == null ? MediaTypes.MANIFEST_V2 : mediaType);
        root.set("config", config.toJson());
        ArrayNode arr = root.putArray("layers");
        for (Layer l : layers) {
            arr.add(l.toJson());
        }
        return Json.bytes(root);
    }

    /** The GGUF weights layer, if any (the first if there are several). */
    public Optional<Layer> modelLayer() {
        return layers.stream().filter(l -> l.mediaType().equals(MediaTypes.MODEL)).findFirst();
    }

    /** The layers of one media type, in manifest order. */
    public List<Layer> layers(String type) {
        return layers.stream().filter(l -> l.mediaType().equals(type)).toList();
    }

    /** Config and layers, each digest once, in manifest order (config first). */
    public List<Layer> blobs() {
        Map<Digest, Layer> byDigest = new LinkedHashMap<>();
        byDigest.putIfAbsent(config.digest(), config);
        for (Layer l : layers) {
            byDigest.putIfAbsent(l.digest(), l);
        }
        return List.copyOf(byDigest.values());
    }

    /** Bytes of the config and every layer (as {@code ollama list} counts them). */
    public long totalSize() {
        long total = config.size();
        for (Layer l : layers) {
            total = Math.addExact(total, l.size());
        }
        return total;
    }

    private static String shorten(String s) {
        return (s.length() > 80 ? s.substring(0, 80) + "..." : s).replaceAll("\\p{Cntrl}", "?");
    }
}
