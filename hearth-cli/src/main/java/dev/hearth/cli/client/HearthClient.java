package dev.hearth.cli.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client of the Ollama API as {@code hearth serve} speaks it: what the CLI uses to talk to a server, the
 * same protocol apps use. Errors come back as {@link ApiError} with the server's {@code error} message.
 */
public final class HearthClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String apiKey;
    private final HttpClient http;

    public HearthClient(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** The server's message for a failed request, with its HTTP status. */
    public static final class ApiError extends RuntimeException {
        private final int status;

        public ApiError(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public URI base() {
        return base;
    }

    /** A client for a server that answers at {@code base} within {@code timeout}, or empty when none does. */
    public static Optional<HearthClient> probe(URI base, String apiKey, Duration timeout) {
        HearthClient c = new HearthClient(base, apiKey);
        try {
            HttpResponse<String> r = c.http.send(HttpRequest.newBuilder(base.resolve("/")).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("is running") ? Optional.of(c) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** POST {@code path} with {@code body}; the whole JSON answer. */
    public JsonNode post(String path, JsonNode body) {
        String text = send(request(path).POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), false);
        return JSON.readTree(text);
    }

    public JsonNode get(String path) {
        String text = send(request(path).GET(), false);
        return JSON.readTree(text);
    }

    /**
     * POST {@code path} and hand each NDJSON object of the streamed answer to {@code onChunk} until the
     * stream ends. {@link Stream#cancel} from another thread (Ctrl+C) closes the connection, which makes the
     * server stop generating.
     */
    public Stream stream(String path, JsonNode body) {
        return new Stream(request(path).POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    /** A streamed answer, read on the calling thread by {@link #forEach}. */
    public final class Stream {
        private final HttpRequest.Builder request;
        private volatile InputStream body;
        private volatile boolean cancelled;

        private Stream(HttpRequest.Builder request) {
            this.request = request;
        }

        /** Reads every object until the end; returns false if cancelled. */
        public boolean forEach(Consumer<JsonNode> onChunk) {
            try (InputStream in = send(request, true)) {
                body = in;
                if (cancelled) {
                    return false;
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = reader.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode chunk = JSON.readTree(line);
                    if (chunk.has("error")) {
                        throw new ApiError(500, chunk.get("error").asString());
                    }
                    onChunk.accept(chunk);
                }
                return !cancelled;
            } catch (IOException e) {
                if (cancelled) {
                    return false;
                }
                throw new UncheckedIOException("connection to " + base + " failed: " + e.getMessage(), e);
            }
        }

        public void cancel() {
            cancelled = true;
            InputStream in = body;
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closing is all we want
                }
            }
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json");
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    @SuppressWarnings("unchecked")
    private <T> T send(HttpRequest.Builder request, boolean streaming) {
        try {
            if (streaming) {
                HttpResponse<InputStream> r = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() / 100 != 2) {
                    String text;
                    try (InputStream in = r.body()) {
                        text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                    }
                    throw error(r.statusCode(), text);
                }
                return (T) r.body();
            }
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw error(r.statusCode(), r.body());
            }
            return (T) r.body();
        } catch (ConnectException e) {
            throw new UncheckedIOException("cannot reach the Hearth server at " + base, e);
        } catch (IOException e) {
            throw new UncheckedIOException("connection to " + base + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static ApiError error(int status, String body) {
        String message = body;
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode e = n.get("error");
            if (e != null) {
                message = e.isObject() && e.has("message") ? e.get("message").asString() : e.asString();
            }
        } catch (RuntimeException notJson) {
            // keep the raw text
        }
        return new ApiError(status, message.isBlank() ? "HTTP " + status : message);
    }
}
