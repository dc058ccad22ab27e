package dev.hearth.server.ollama;

import dev.hearth.convert.FileType;
import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Fields;
import dev.hearth.server.api.Json;
import dev.hearth.server.http.HttpExchange;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.store.BlobPins;
import dev.hearth.store.Digest;
import dev.hearth.store.InvalidModelNameException;
import dev.hearth.store.Layer;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.ModelNotFoundException;
import dev.hearth.store.NotEnoughDiskSpaceException;
import dev.hearth.store.Progress;
import dev.hearth.store.StoreException;
import dev.hearth.store.modelfile.ChatMessage;
import dev.hearth.store.modelfile.Modelfile;
import dev.hearth.store.modelfile.ModelParameters;
import dev.hearth.store.modelfile.ModelfileException;
import dev.hearth.store.pull.RegistryException;
import dev.hearth.store.pull.RegistryUnreachableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Ollama's endpoints that move model data: {@code POST /api/pull} (progress stream), {@code POST /api/create},
 * and the blob upload that create's {@code files} refer to ({@code HEAD}/{@code POST /api/blobs/:digest}).
 * The work is the store's ({@code LocalModelLibrary}); this class translates requests, progress and errors.
 */
public final class TransferEndpoints {
    /** A blob upload is a model file: allow up to 1 TiB, far above any model that fits a machine. */
    static final long MAX_BLOB_BYTES = 1L << 40;
    /** At most this many progress lines per second per layer, plus the last. */
    private static final long PROGRESS_INTERVAL_NANOS = 100_000_000L;

    private final ModelCatalog catalog;

    public TransferEndpoints(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    /** Thrown from a progress callback to stop an operation whose client went away. */
    private static final class ClientGone extends RuntimeException {
        ClientGone() {
            super("the client went away", null, false, false);
        }
    }

    /** Progress as Ollama's NDJSON lines (streaming), or nothing (non-streaming). */
    private static final class ProgressLines implements Progress {
        private final HttpExchange ex;
        private final OutputStream out;
        private final Map<Digest, Long> lastSent = new HashMap<>();

        ProgressLines(HttpExchange ex, OutputStream out) {
            this.ex = ex;
            this.out = out;
        }

        private void send(ObjectNode o) {
            if (ex.clientGone()) {
                throw new ClientGone();
            }
            if (out == null) {
                return;
            }
            try {
                GenerateEndpoints.line(out, o);
            } catch (IOException e) {
                throw new ClientGone();
            }
        }

        @Override
        public void status(String status) {
            send(Json.object().put("status", status));
        }

        @Override
        public void layer(Layer layer, long completed) {
            long now = System.nanoTime();
            Long last = lastSent.get(layer.digest());
            boolean done = completed >= layer.size();
            if (!done && last != null && now - last < PROGRESS_INTERVAL_NANOS) {
                if (ex.clientGone()) {
                    throw new ClientGone();
                }
                return;
            }
            lastSent.put(layer.digest(), now);
            ObjectNode o = Json.object();
            o.put("status", "pulling " + layer.digest().shortHex());
            o.put("digest", layer.digest().toString());
            o.put("total", layer.size());
            o.put("completed", Math.min(completed, layer.size()));
            send(o);
        }

        @Override
        public void copying(String what, long done, long total) {
            if (ex.clientGone()) {
                throw new ClientGone();
            }
        }

        @Override
        public void warning(String message) {
            send(Json.object().put("status", "warning: " + message));
        }
    }

    /** Which operation failed: decides whether a store error is the registry's fault or the request's. */
    private enum Operation { PULL, CREATE }

    /** Runs a store operation with progress, as a stream or as one final object, mapping its failures. */
    private void run(HttpExchange ex, boolean stream, Operation kind, StoreOperation op) throws IOException {
        if (!stream) {
            try {
                op.run(new ProgressLines(ex, null));
            } catch (ClientGone e) {
                ex.closeConnectionAfter();
                return;
            } catch (IOException | RuntimeException e) {
                throw failure(kind, e);
            }
            Responses.json(ex, 200, Json.object().put("status", "success"));
            return;
        }
        try (OutputStream out = ex.startStream(200, Responses.NDJSON)) {
            try {
                op.run(new ProgressLines(ex, out));
            } catch (ClientGone e) {
                ex.closeConnectionAfter();
            } catch (IOException | RuntimeException e) {
                GenerateEndpoints.line(out, Json.object().put("error", failure(kind, e).getMessage()));
            }
        }
    }

    @FunctionalInterface
    private interface StoreOperation {
        void run(Progress progress) throws IOException;
    }

    /**
     * Maps a failed pull or create to a status that says whose fault it was: a missing model 404, a bad name or
     * bad create input 400, anything the registry did or failed to do (unreachable, refused, sent a bad manifest
     * or corrupt data) 502, a full disk 507. Only a bug left unexplained here is a 500.
     */
    private static ApiException failure(Operation kind, Exception e) {
        if (e instanceof ApiException a) {
            return a;
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            return failure(kind, u.getCause());
        }
        if (e instanceof ModelNotFoundException) {
            return new ApiException(404, message);
        }
        if (e instanceof InvalidModelNameException || e instanceof IllegalArgumentException) {
            return ApiException.badRequest(message);
        }
        if (e instanceof NotEnoughDiskSpaceException) {
            return new ApiException(507, message);
        }
        if (e instanceof RegistryException || e instanceof RegistryUnreachableException) {
            return new ApiException(502, message);
        }
        if (kind == Operation.PULL && e instanceof IOException) {
            // The network (a reset, a timeout) or the registry's content (an invalid manifest, a digest mismatch).
            return new ApiException(502, message);
        }
        if (kind == Operation.CREATE && e instanceof StoreException) {
            // FROM not found or not GGUF, --quantize not possible, uploaded weights invalid: the request's input.
            return ApiException.badRequest(message);
        }
        return new ApiException(500, message);
    }

    // ---- /api/pull ----------------------------------------------------------------------------------------

    public void pull(HttpExchange ex) throws IOException {
        Fields req = Fields.parse(ex.body());
        String name = req.string("model").or(() -> req.string("name"))
                .orElseThrow(() -> ApiException.badRequest("'model' is required"));
        ModelCatalog.parseName(name, "model");
        boolean insecure = req.bool("insecure", false);
        if (dev.hearth.store.ModelName.requestsPlainHttp(name) && !insecure) {
            throw ApiException.badRequest("'" + name + "' asks for plain HTTP; set \"insecure\": true to allow that");
        }
        boolean stream = req.bool("stream", true);
        run(ex, stream, Operation.PULL, progress -> catalog.library().pull(name, insecure, progress));
    }

    // ---- /api/create --------------------------------------------------------------------------------------

    public void create(HttpExchange ex) throws IOException {
        Fields req = Fields.parse(ex.body());
        String name = req.string("model").or(() -> req.string("name"))
                .orElseThrow(() -> ApiException.badRequest("'model' is required"));
        ModelCatalog.parseName(name, "model");
        boolean stream = req.bool("stream", true);
        String quantize = req.string("quantize").filter(q -> !q.isEmpty()).orElse(null);
        if (quantize != null) {
            try {
                FileType.parse(quantize);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("'quantize': " + e.getMessage());
            }
        }
        if (req.object("adapters").filter(a -> !a.node().isEmpty()).isPresent()) {
            throw ApiException.badRequest("'adapters' (LoRA) are not supported yet");
        }
        if (req.string("modelfile").filter(m -> !m.isEmpty()).isPresent()) {
            throw ApiException.badRequest("'modelfile' is no longer part of the API; send 'from', 'files', 'system', "
                    + "'template' and 'parameters' instead");
        }
        String from = req.string("from").filter(f -> !f.isEmpty()).orElse(null);
        Path weights = null;
        var files = req.object("files");
        if (files.isPresent() && !files.get().node().isEmpty()) {
            if (from != null) {
                throw ApiException.badRequest("give either 'from' or 'files', not both");
            }
            weights = weightsFromFiles(files.get());
        } else if (from == null) {
            throw ApiException.badRequest("'from' (a model name) or 'files' (uploaded GGUF blobs) is required");
        } else {
            ModelCatalog.parseName(from, "from"); // a name only: request bodies must not name server files
        }
        Map<String, Object> parameters = new java.util.LinkedHashMap<>();
        var params = req.object("parameters");
        if (params.isPresent()) {
            try {
                parameters = ModelParameters.fromJson(params.get().node());
            } catch (ModelfileException e) {
                throw ApiException.badRequest("'parameters': " + e.getMessage());
            }
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (Fields m : req.objects("messages", 10_000).orElse(List.of())) {
            try {
                messages.add(new ChatMessage(m.requiredString("role"), m.string("content").orElse("")));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("'messages': " + e.getMessage());
            }
        }
        List<String> licenses = req.stringOrStrings("license", 100).orElse(List.of());
        Modelfile modelfile = new Modelfile(weights != null ? weights.toString() : from, req.string("template").orElse(null),
                req.string("system").orElse(null), parameters, messages, licenses, List.of());
        // Relative FROM values are resolved against a directory that does not exist: a request can only
        // name installed models or uploaded blobs, never files of the server's machine.
        Path nowhere = catalog.store().root().resolve(".no-such-directory");
        run(ex, stream, Operation.CREATE, progress -> catalog.library().create(name, modelfile, nowhere, quantize, progress));
    }

    /** The one GGUF among {@code files} (file name to blob digest), which must have been uploaded. */
    private Path weightsFromFiles(Fields files) {
        Path weights = null;
        for (Map.Entry<String, JsonNode> e : files.node().properties()) {
            if (!e.getValue().isString()) {
                throw ApiException.badRequest("'files." + e.getKey() + "' must be a blob digest (sha256:...)");
            }
            Digest d;
            try {
                d = Digest.parse(e.getValue().stringValue());
            } catch (RuntimeException ex) {
                throw ApiException.badRequest("'files." + e.getKey() + "' is not a valid digest: " + ex.getMessage());
            }
            if (!e.getKey().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
                throw ApiException.badRequest("'files' may only hold GGUF weights (*.gguf); got " + e.getKey());
            }
            if (weights != null) {
                throw ApiException.badRequest("'files' holds more than one GGUF; split models are not supported yet");
            }
            Path p = catalog.store().blobPath(d);
            if (!java.nio.file.Files.isRegularFile(p)) {
                throw ApiException.badRequest("blob " + d + " has not been uploaded; POST it to /api/blobs/" + d + " first");
            }
            weights = p;
        }
        return weights;
    }

    // ---- /api/blobs/:digest -------------------------------------------------------------------------------

    public void headBlob(HttpExchange ex, String digestText) throws IOException {
        Digest d = digest(digestText);
        boolean present = java.nio.file.Files.isRegularFile(catalog.store().blobPath(d));
        if (present) {
            ex.send(200, null, new byte[0]);
        } else {
            throw ApiException.notFound("blob " + d + " not found");
        }
    }

    public void postBlob(HttpExchange ex, String digestText) throws IOException {
        Digest expected = digest(digestText);
        if (java.nio.file.Files.isRegularFile(catalog.store().blobPath(expected))) {
            ex.send(200, null, new byte[0]);
            return;
        }
        Layer layer;
        try (BlobPins pins = catalog.store().newPins(); InputStream in = ex.bodyStream(MAX_BLOB_BYTES)) {
            layer = catalog.store().importBlob(in, MediaTypes.MODEL, n -> {}, pins);
        }
        if (!layer.digest().equals(expected)) {
            throw ApiException.badRequest("digest mismatch: the upload's digest is " + layer.digest() + ", not " + expected);
        }
        ex.send(201, null, new byte[0]);
    }

    private static Digest digest(String text) {
        try {
            return Digest.parse(text.replace('-', ':'));
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid blob digest '" + text + "': expected sha256:<64 hex digits>");
        }
    }
}
