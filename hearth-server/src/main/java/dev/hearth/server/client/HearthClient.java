package dev.hearth.server.client;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.api.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small client for the Ollama API of a running Hearth (or Ollama) server, for the CLI: plain JSON calls
 * and NDJSON streams over the JDK's HTTP client. Errors come back as {@link HearthClientException} with the
 * server's message.
 */
public final class HearthClient {
    /** How long the CLI waits to learn whether a server runs: local servers answer in microseconds. */
    static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);

    private final URI base;
    private final Optional<String> apiKey;
    private final HttpClient http;

    public HearthClient(URI base, Optional<String> apiKey) {
        this.base = base;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** A client for {@code HEARTH_HOST} if a server answers there (probing {@code GET /} briefly). */
    public static Optional<HearthClient> ifRunning(HearthSettings settings) {
        URI host = settings.host();
        String h = host.getHost();
        if (h.equals("0.0.0.0") || h.equals("::")) {
            h = "127.0.0.1"; // a server bound to every interface is reached on loopback
        }
        URI base = URI.create(host.getScheme() + "://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + host.getPort());
        HearthClient c = new HearthClient(base, settings.apiKey());
        return c.isRunning() ? Optional.of(c) : Optional.empty();
    }

    public URI base() {
        return base;
    }

    /** Whether a Hearth or Ollama server answers at the base URL. */
    public boolean isRunning() {
        HttpClient quick = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PROBE_TIMEOUT).build();
        try {
            HttpResponse<String> r = quick.send(HttpRequest.newBuilder(base.resolve("/")).timeout(PROBE_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && (r.body().startsWith("Hearth is running") || r.body().startsWith("Ollama is running"));
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .header("User-Agent", "hearth-cli");
        apiKey.ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return b;
    }

    public JsonNode get(String path) throws IOException {
        return json(send(request(path).GET().build()));
    }

    public JsonNode post(String path, ObjectNode body) throws IOException {
        return json(send(request(path).POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build()));
    }

    public void delete(String path, ObjectNode body) throws IOException {
        send(request(path).method("DELETE", HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build());
    }

    /** Uploads a file as a blob ({@code POST /api/blobs/<digest>}). */
    public void uploadBlob(String digest, java.nio.file.Path file) throws IOException {
        send(request("/api/blobs/" + digest).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(file)).build());
    }

    /** Whether the server holds a blob ({@code HEAD /api/blobs/<digest>}). */
    public boolean hasBlob(String digest) throws IOException {
        HttpResponse<InputStream> r = raw(request("/api/blobs/" + digest).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        r.body().close();
        return r.statusCode() == 200;
    }

    /**
     * Posts a streaming request and hands each NDJSON line to {@code onLine}; an {@code {"error": ...}} line
     * becomes a {@link HearthClientException}. Returns the last line.
     */
    public JsonNode stream(String path, ObjectNode body, Consumer<JsonNode> onLine) throws IOException {
        return stream(path, body, onLine, new Cancellation());
    }

    /**
     * Like {@link #stream(String, ObjectNode, Consumer)}, stoppable from another thread through
     * {@code cancellation}: returns null once cancelled.
     */
    public JsonNode stream(String path, ObjectNode body, Consumer<JsonNode> onLine, Cancellation cancellation)
            throws IOException {
        body.put("stream", true);
        HttpResponse<InputStream> r = raw(request(path).POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build());
        if (r.statusCode() / 100 != 2) {
            throw error(r.statusCode(), new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        JsonNode last = null;
        try (InputStream raw = r.body();
             BufferedReader in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8))) {
            if (!cancellation.attach(raw)) {
                return null;
            }
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = parse(line);
                if (n.has("error")) {
                    throw new HearthClientException(r.statusCode(), n.get("error").asString());
                }
                last = n;
                onLine.accept(n);
            }
        } catch (IOException e) {
            if (cancellation.cancelled()) {
                return null;
            }
            throw e;
        }
        if (cancellation.cancelled()) {
            return null;
        }
        if (last == null) {
            throw new HearthClientException(r.statusCode(), "the server ended the stream without a result");
        }
        return last;
    }

    /**
     * Stops a stream from another thread (the terminal's Ctrl+C): closing the connection is how a client
     * cancels, and the server then stops generating and frees the sequence.
     */
    public static final class Cancellation {
        private InputStream body;
        private boolean cancelled;

        /** Stops the stream now, or as soon as it starts. */
        public synchronized void cancel() {
            cancelled = true;
            if (body != null) {
                try {
                    body.close();
                } catch (IOException ignored) {
                    // the connection is going away, which is the point
                }
            }
        }

        public synchronized boolean cancelled() {
            return cancelled;
        }

        private synchronized boolean attach(InputStream in) {
            body = in;
            return !cancelled;
        }
    }

    private HttpResponse<InputStream> raw(HttpRequest req) throws IOException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException e) {
            throw new IOException("cannot reach the Hearth server at " + base + " (is it still running?)", e);
        } catch (HttpTimeoutException e) {
            throw new IOException("the Hearth server at " + base + " did not answer in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private String send(HttpRequest req) throws IOException {
        HttpResponse<InputStream> r = raw(req);
        String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        if (r.statusCode() / 100 != 2) {
            throw error(r.statusCode(), body);
        }
        return body;
    }

    private static JsonNode json(String body) {
        return body.isBlank() ? Json.object() : parse(body);
    }

    private static JsonNode parse(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (JacksonException e) {
            throw new HearthClientException(200, "the server sent invalid JSON: " + e.getOriginalMessage());
        }
    }

    private static HearthClientException error(int status, String body) {
        String message = body;
        try {
            JsonNode n = Json.mapper().readTree(body);
            JsonNode err = n == null ? null : n.get("error");
            if (err != null && err.isString()) {
                message = err.stringValue();
            } else if (err != null && err.isObject() && err.has("message")) {
                message = err.get("message").asString();
            }
        } catch (JacksonException e) {
            // not JSON: the body as it is
        }
        return new HearthClientException(status, message.isBlank() ? "HTTP " + status : message);
    }
}
