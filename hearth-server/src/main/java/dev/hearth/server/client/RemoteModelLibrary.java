package dev.hearth.server.client;

import dev.hearth.server.api.Json;
import dev.hearth.store.Digest;
import dev.hearth.store.Layer;
import dev.hearth.store.ModelName;
import dev.hearth.store.Progress;
import dev.hearth.store.hardware.Hardware;
import dev.hearth.store.hardware.MemoryEstimate;
import dev.hearth.store.library.ModelDetails;
import dev.hearth.store.library.ModelFacts;
import dev.hearth.store.library.ModelLibrary;
import dev.hearth.store.library.ModelSummary;
import dev.hearth.store.modelfile.ChatMessage;
import dev.hearth.store.modelfile.ModelParameters;
import dev.hearth.store.modelfile.Modelfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The model library of a running server, over its Ollama API: what the CLI's pull, list, show, rm, cp and
 * create use when a server runs, so that they act on the server's store (which may be another machine's)
 * and the server knows about every change at once.
 */
public final class RemoteModelLibrary implements ModelLibrary {
    private final HearthClient client;
    private final int defaultContextLength;

    public RemoteModelLibrary(HearthClient client, int defaultContextLength) {
        this.client = client;
        this.defaultContextLength = defaultContextLength;
    }

    public HearthClient client() {
        return client;
    }

    @Override
    public ModelSummary pull(String name, boolean insecure, Progress progress) throws IOException {
        ObjectNode req = Json.object().put("model", name).put("insecure", insecure);
        client.stream("/api/pull", req, line -> forward(line, progress));
        return summary(name);
    }

    /** An Ollama progress line to the store's progress events. */
    static void forward(JsonNode line, Progress progress) {
        String status = line.path("status").asString("");
        if (line.has("digest") && line.has("total")) {
            try {
                Layer layer = new Layer("application/octet-stream", Digest.parse(line.get("digest").asString()),
                        Math.max(0, line.get("total").asLong()));
                progress.layer(layer, Math.max(0, line.path("completed").asLong(0)));
                return;
            } catch (IllegalArgumentException e) {
                // an odd digest: show the status line instead
            }
        }
        if (status.startsWith("warning: ")) {
            progress.warning(status.substring("warning: ".length()));
        } else if (!status.isEmpty()) {
            progress.status(status);
        }
    }

    private ModelSummary summary(String name) throws IOException {
        ModelName wanted = ModelName.parse(name);
        for (ModelSummary s : list()) {
            if (ModelName.parse(s.name()).equalsIgnoreCase(wanted)) {
                return s;
            }
        }
        throw new IOException("the server did not list '" + wanted.displayShortest() + "' afterwards");
    }

    @Override
    public List<ModelSummary> list() throws IOException {
        List<ModelSummary> out = new ArrayList<>();
        for (JsonNode m : client.get("/api/tags").path("models")) {
            String name = m.path("name").asString("");
            String full;
            try {
                full = ModelName.parse(name).toString();
            } catch (IllegalArgumentException e) {
                full = name;
            }
            String digest = m.path("digest").asString("");
            JsonNode d = m.path("details");
            out.add(new ModelSummary(name, full, digest.length() >= 12 ? digest.substring(0, 12) : digest,
                    m.path("size").asLong(0), instant(m.path("modified_at").asString("")), text(d, "family"),
                    text(d, "parameter_size"), text(d, "quantization_level")));
        }
        return out;
    }

    @Override
    public ModelDetails show(String name) throws IOException {
        JsonNode s = client.post("/api/show", Json.object().put("model", name));
        Modelfile mf = Modelfile.parse(s.path("modelfile").asString(""));
        JsonNode info = s.path("model_info");
        String arch = info.path("general.architecture").asString("unknown");
        long heads = first(info.path(arch + ".attention.head_count"));
        long embedding = info.path(arch + ".embedding_length").asLong(0);
        long keyLength = info.path(arch + ".attention.key_length").asLong(heads > 0 ? embedding / heads : 0);
        long valueLength = info.path(arch + ".attention.value_length").asLong(keyLength);
        List<String> capabilities = new ArrayList<>();
        s.path("capabilities").forEach(c -> capabilities.add(c.asString()));
        ModelSummary summary = summary(name);
        String template = s.path("template").asString("");
        ModelFacts facts = new ModelFacts(arch, info.path("general.parameter_count").asLong(0),
                info.path(arch + ".context_length").asLong(0), embedding,
                text(s.path("details"), "quantization_level"), info.path(arch + ".block_count").asLong(0),
                first(info.path(arch + ".attention.head_count_kv")), keyLength, valueLength, 0, summary.size(),
                template.isEmpty() ? null : template, capabilities.contains("embedding"));
        Map<String, Object> params = mf.parameters();
        long wanted = params.get("num_ctx") instanceof Integer n && n > 0 ? n : defaultContextLength;
        long ctx = facts.contextLength() > 0 ? Math.min(wanted, facts.contextLength()) : wanted;
        List<String> licenses = new ArrayList<>(mf.licenses());
        if (licenses.isEmpty() && s.has("license")) {
            licenses.add(s.get("license").asString());
        }
        List<ChatMessage> messages = mf.messages();
        return new ModelDetails(summary, Path.of(mf.from() == null ? name : mf.from()), facts, capabilities,
                template.isEmpty() ? null : template, s.has("system") ? s.get("system").asString() : mf.system(), params,
                licenses, messages, MemoryEstimate.of(facts, ctx), Hardware.totalMemoryBytes(),
                s.path("modelfile").asString(""));
    }

    @Override
    public void delete(String name) throws IOException {
        client.delete("/api/delete", Json.object().put("model", name));
    }

    @Override
    public void copy(String source, String destination) throws IOException {
        client.post("/api/copy", Json.object().put("source", source).put("destination", destination));
    }

    /**
     * Creates on the server: a FROM that names a local GGUF file is uploaded as a blob first (the server
     * never reads the client's files), a FROM that names a model is passed on.
     */
    @Override
    public ModelSummary create(String name, Modelfile modelfile, Path baseDirectory, String quantize, Progress progress)
            throws IOException {
        ObjectNode req = Json.object().put("model", name);
        Path file = localFile(modelfile.from(), baseDirectory);
        if (file != null) {
            progress.status("uploading " + file.getFileName());
            String digest = sha256(file);
            if (!client.hasBlob(digest)) {
                client.uploadBlob(digest, file);
            }
            req.putObject("files").put(file.getFileName().toString().endsWith(".gguf")
                    ? file.getFileName().toString() : "model.gguf", digest);
        } else {
            req.put("from", modelfile.from());
        }
        if (modelfile.template() != null) {
            req.put("template", modelfile.template());
        }
        if (modelfile.system() != null) {
            req.put("system", modelfile.system());
        }
        if (!modelfile.parameters().isEmpty()) {
            req.set("parameters", ModelParameters.toJson(modelfile.parameters()));
        }
        if (!modelfile.messages().isEmpty()) {
            ArrayNode msgs = req.putArray("messages");
            for (ChatMessage m : modelfile.messages()) {
                msgs.addObject().put("role", m.role()).put("content", m.content());
            }
        }
        if (!modelfile.licenses().isEmpty()) {
            ArrayNode l = req.putArray("license");
            modelfile.licenses().forEach(l::add);
        }
        if (quantize != null) {
            req.put("quantize", quantize);
        }
        client.stream("/api/create", req, line -> forward(line, progress));
        return summary(name);
    }

    private static Path localFile(String from, Path baseDirectory) {
        if (from == null) {
            return null;
        }
        try {
            String f = from.equals("~") || from.startsWith("~/") ? System.getProperty("user.home") + from.substring(1) : from;
            Path p = Path.of(f);
            Path resolved = p.isAbsolute() || baseDirectory == null ? p : baseDirectory.resolve(p);
            return Files.isRegularFile(resolved) ? resolved : null;
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    private static long first(JsonNode n) {
        if (n.isArray()) {
            long max = 0;
            for (JsonNode x : n) {
                max = Math.max(max, x.asLong(0));
            }
            return max;
        }
        return n.asLong(0);
    }

    private static String text(JsonNode n, String field) {
        String s = n.path(field).asString("");
        return s.isEmpty() ? null : s;
    }

    private static Instant instant(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
