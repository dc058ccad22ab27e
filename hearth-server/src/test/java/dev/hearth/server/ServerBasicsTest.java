package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.store.ModelStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The server without generation: probing, security checks, routing, model management. */
class ServerBasicsTest {
    @TempDir
    Path dir;

    private HearthServer server;

    private HearthServer start(ServerConfig config) throws Exception {
        server = HearthServer.start(config, TestServers.schedulerConfig(), new ModelCatalog(new ModelStore(dir.resolve("models"))), null);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RawHttp.Response get(String path, String... headers) throws Exception {
        return RawHttp.request(server.port(), "GET", path, null, headers);
    }

    private RawHttp.Response post(String path, String body, String... headers) throws Exception {
        return RawHttp.request(server.port(), "POST", path, body, headers);
    }

    private static JsonNode json(RawHttp.Response r) {
        return Json.mapper().readTree(r.body());
    }

    @Test
    void probesAnswerHearthIsRunning() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        assertThat(get("/").status()).isEqualTo(200);
        assertThat(get("/").body()).isEqualTo("Hearth is running");
        RawHttp.Response head = RawHttp.request(server.port(), "HEAD", "/", null);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(json(get("/api/version")).get("version").asString()).matches("\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void hostHeaderMustNameThisMachine() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        for (String ok : List.of("localhost", "localhost:11434", "LOCALHOST", "app.localhost:1", "127.0.0.1:5",
                "127.1.2.3", "[::1]:11434", "[::1]")) {
            assertThat(get("/api/version", "Host: " + ok).status()).as(ok).isEqualTo(200);
        }
        for (String bad : List.of("evil.example", "evil.example:11434", "localhost.evil.example", "10.0.0.1",
                "[::2]", "127.0.0.1:x", "a b")) {
            RawHttp.Response r = get("/api/version", "Host: " + bad);
            assertThat(r.status()).as(bad).isEqualTo(403);
            assertThat(json(r).get("error").asString()).contains("not allowed");
        }
    }

    @Test
    void anyHostWhenBoundToEveryInterface() throws Exception {
        start(new ServerConfig(new java.net.InetSocketAddress("0.0.0.0", 0), "0.0.0.0", List.of(),
                java.util.Optional.empty(), dev.hearth.server.http.HttpLimits.DEFAULTS));
        assertThat(get("/api/version", "Host: my-desktop.lan:11434").status()).isEqualTo(200);
    }

    @Test
    void crossOriginRequestsOnlyFromConfiguredOrigins() throws Exception {
        start(ServerConfig.ephemeralLoopback().withOrigins(List.of("http://app.example", "http://localhost:*")));
        RawHttp.Response refused = post("/api/copy", "{}", "Origin: http://evil.example", "Content-Type: text/plain");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.header("Access-Control-Allow-Origin")).isNull();

        RawHttp.Response ok = get("/api/version", "Origin: http://app.example");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("Access-Control-Allow-Origin")).isEqualTo("http://app.example");

        RawHttp.Response preflight = RawHttp.request(server.port(), "OPTIONS", "/api/chat", null,
                "Origin: http://localhost:3000", "Access-Control-Request-Method: POST",
                "Access-Control-Request-Headers: content-type");
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(preflight.header("Access-Control-Allow-Headers")).containsIgnoringCase("Content-Type");
    }

    @Test
    void apiKeyIsRequiredExceptForTheProbe() throws Exception {
        start(ServerConfig.ephemeralLoopback().withApiKey("s3cret"));
        assertThat(get("/").status()).isEqualTo(200);
        RawHttp.Response denied = get("/api/tags");
        assertThat(denied.status()).isEqualTo(401);
        assertThat(json(denied).get("error").asString()).contains("API key");
        assertThat(get("/api/tags", "Authorization: Bearer wrong").status()).isEqualTo(401);
        assertThat(get("/api/tags", "Authorization: Bearer s3cret").status()).isEqualTo(200);
        RawHttp.Response openAi = get("/v1/models");
        assertThat(openAi.status()).isEqualTo(401);
        assertThat(json(openAi).get("error").get("message").asString()).contains("API key");
    }

    @Test
    void unknownPathsAndMethodsAreJsonErrors() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        RawHttp.Response missing = get("/api/nothing");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(json(missing).get("error").asString()).contains("/api/nothing");
        RawHttp.Response wrongMethod = get("/api/show");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.header("Allow")).contains("POST");
        RawHttp.Response openAiMissing = get("/v1/nothing");
        assertThat(json(openAiMissing).get("error").get("type").asString()).isEqualTo("not_found_error");
    }

    @Test
    void badBodiesAreBadRequests() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        for (String body : List.of("", "{", "[]", "\"x\"", "{\"source\":1,\"destination\":\"b\"}",
                "{\"source\":\"a\"}", "{\"source\":\"a\",\"destination\":\"../../etc/passwd\"}",
                "{\"source\":\"a\",\"destination\":\"b\"} trailing", "{\"source\":\"a\",\"source\":\"b\"}",
                "[".repeat(5000))) {
            RawHttp.Response r = post("/api/copy", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(json(r).get("error").asString()).as(body).isNotBlank();
        }
        RawHttp.Response unknown = post("/api/copy", "{\"source\":\"nothing\",\"destination\":\"b\"}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(json(unknown).get("error").asString()).isEqualTo("model 'nothing:latest' not found");
    }

    @Test
    void listsShowsCopiesAndDeletesModels() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        ModelStore store = new ModelStore(dir.resolve("models"));
        TestStores.install(store, "tiny", TestStores.model("qwen2-Q8_0.gguf"), null, "Be brief.",
                "{\"temperature\":0.5,\"stop\":[\"<|im_end|>\"]}");

        JsonNode tags = json(get("/api/tags"));
        assertThat(tags.get("models")).hasSize(1);
        JsonNode m = tags.get("models").get(0);
        assertThat(m.get("name").asString()).isEqualTo("tiny:latest");
        assertThat(m.get("digest").asString()).hasSize(64);
        assertThat(m.get("details").get("family").asString()).isEqualTo("qwen2");
        assertThat(m.get("details").get("quantization_level").asString()).isEqualTo("Q8_0");

        JsonNode show = json(post("/api/show", "{\"model\":\"tiny\"}"));
        assertThat(show.get("system").asString()).isEqualTo("Be brief.");
        assertThat(show.get("parameters").asString()).contains("temperature").contains("\"<|im_end|>\"");
        assertThat(show.get("model_info").get("general.architecture").asString()).isEqualTo("qwen2");
        assertThat(show.get("model_info").get("tokenizer.ggml.tokens").isNull()).isTrue();
        assertThat(show.get("capabilities").toString()).contains("completion");
        JsonNode verbose = json(post("/api/show", "{\"model\":\"tiny\",\"verbose\":true}"));
        assertThat(verbose.get("model_info").get("tokenizer.ggml.tokens").size()).isGreaterThan(100);

        assertThat(post("/api/copy", "{\"source\":\"tiny\",\"destination\":\"copy:v1\"}").status()).isEqualTo(200);
        assertThat(json(get("/api/tags")).get("models")).hasSize(2);
        assertThat(RawHttp.request(server.port(), "DELETE", "/api/delete", "{\"model\":\"tiny\"}").status()).isEqualTo(200);
        RawHttp.Response again = RawHttp.request(server.port(), "DELETE", "/api/delete", "{\"model\":\"tiny\"}");
        assertThat(again.status()).isEqualTo(404);
        JsonNode left = json(get("/api/tags")).get("models");
        assertThat(left).hasSize(1);
        assertThat(left.get(0).get("name").asString()).isEqualTo("copy:v1");
    }
}
