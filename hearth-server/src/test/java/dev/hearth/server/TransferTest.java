package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.store.ModelStore;
import dev.hearth.store.testing.TestModels;
import dev.hearth.store.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Pull from a local test registry, create from a model or an uploaded blob, blob upload. */
class TransferTest {
    @TempDir
    Path dir;

    private HearthServer server;
    private TestRegistry registry;

    @BeforeEach
    void start() throws Exception {
        registry = TestRegistry.start();
        registry.publish("library/tiny", "q8", TestModels.llamaQ8(), TestModels.TEMPLATE, TestModels.SYSTEM,
                TestModels.PARAMS, TestModels.LICENSE);
        server = HearthServer.start(ServerConfig.ephemeralLoopback(), TestServers.schedulerConfig(),
                new ModelCatalog(new ModelStore(dir.resolve("models"))), null);
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    private RawHttp.Response post(String path, String body) throws Exception {
        return RawHttp.request(server.port(), "POST", path, body);
    }

    private static List<JsonNode> lines(String body) {
        return body.lines().map(l -> (JsonNode) Json.mapper().readTree(l)).toList();
    }

    @Test
    void pullStreamsProgressThenTheModelIsListed() throws Exception {
        String name = registry.name("library/tiny", "q8");
        RawHttp.Response r = post("/api/pull", "{\"model\":\"" + name + "\",\"insecure\":true}");
        assertThat(r.status()).isEqualTo(200);
        List<JsonNode> lines = lines(r.body());
        assertThat(lines.getFirst().get("status").asString()).isEqualTo("pulling manifest");
        assertThat(lines.getLast().get("status").asString()).isEqualTo("success");
        JsonNode layer = lines.stream().filter(l -> l.has("digest")).reduce((a, b) -> b).orElseThrow();
        assertThat(layer.get("completed").asLong()).isEqualTo(layer.get("total").asLong());
        JsonNode tags = Json.mapper().readTree(RawHttp.request(server.port(), "GET", "/api/tags", null).body());
        assertThat(tags.get("models").get(0).get("name").asString()).isEqualTo(name);
        // Not streaming: one object.
        JsonNode once = Json.mapper().readTree(post("/api/pull", "{\"model\":\"" + name + "\",\"insecure\":true,\"stream\":false}").body());
        assertThat(once.get("status").asString()).isEqualTo("success");
    }

    @Test
    void pullErrorsAreReported() throws Exception {
        RawHttp.Response plain = post("/api/pull", "{\"model\":\"http://" + registry.host() + "/library/tiny:q8\",\"stream\":false}");
        assertThat(plain.status()).isEqualTo(400);
        RawHttp.Response missing = post("/api/pull", "{\"model\":\"" + registry.name("library/nope", "x") + "\",\"insecure\":true}");
        assertThat(missing.status()).isEqualTo(200); // streaming: the error arrives as the last line
        assertThat(lines(missing.body()).getLast().get("error").asString()).isNotBlank();
        assertThat(post("/api/pull", "{\"model\":\"../../x\"}").status()).isEqualTo(400);
        RawHttp.Response missingOnce = post("/api/pull", "{\"model\":\"" + registry.name("library/nope", "x")
                + "\",\"insecure\":true,\"stream\":false}");
        assertThat(missingOnce.status()).as(missingOnce.body()).isEqualTo(404);
        assertThat(Json.mapper().readTree(missingOnce.body()).get("error").asString()).contains("not found");
    }

    @Test
    void pullingFromAPlainHttpRegistryWithoutInsecureIsABadGatewayWithTheHint() throws Exception {
        String name = registry.name("library/tiny", "q8");
        long start = System.nanoTime();
        RawHttp.Response once = post("/api/pull", "{\"model\":\"" + name + "\",\"stream\":false}");
        assertThat(once.status()).as(once.body()).isEqualTo(502);
        assertThat(Json.mapper().readTree(once.body()).get("error").asString()).contains("--insecure");
        RawHttp.Response streamed = post("/api/pull", "{\"model\":\"" + name + "\"}");
        assertThat(streamed.status()).isEqualTo(200); // streaming: the error arrives as the last line
        assertThat(lines(streamed.body()).getLast().get("error").asString()).contains("--insecure");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(10));
    }

    @Test
    void pullingFromARegistryThatIsNotThereIsABadGateway() throws Exception {
        String name = registry.name("library/tiny", "q8");
        registry.close();
        RawHttp.Response once = post("/api/pull", "{\"model\":\"" + name + "\",\"insecure\":true,\"stream\":false}");
        assertThat(once.status()).as(once.body()).isEqualTo(502);
        assertThat(Json.mapper().readTree(once.body()).get("error").asString()).contains("cannot connect");
    }

    @Test
    void createFromAModelAndFromAnUploadedBlob() throws Exception {
        String name = registry.name("library/tiny", "q8");
        post("/api/pull", "{\"model\":\"" + name + "\",\"insecure\":true,\"stream\":false}");
        RawHttp.Response created = post("/api/create", "{\"model\":\"mine\",\"from\":\"" + name + "\",\"system\":\"Talk like a pirate.\","
                + "\"parameters\":{\"temperature\":0.1,\"stop\":[\"END\"]},\"stream\":false}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        JsonNode show = Json.mapper().readTree(post("/api/show", "{\"model\":\"mine\"}").body());
        assertThat(show.get("system").asString()).isEqualTo("Talk like a pirate.");
        assertThat(show.get("parameters").asString()).contains("END").contains("temperature");

        byte[] gguf = Files.readAllBytes(TestModels.smallLlama());
        String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gguf));
        assertThat(RawHttp.request(server.port(), "HEAD", "/api/blobs/" + digest, null).status()).isEqualTo(404);
        RawHttp.Response upload = RawHttp.requestBytes(server.port(), "POST", "/api/blobs/" + digest, gguf);
        assertThat(upload.status()).isEqualTo(201);
        assertThat(RawHttp.request(server.port(), "HEAD", "/api/blobs/" + digest, null).status()).isEqualTo(200);
        RawHttp.Response wrong = RawHttp.requestBytes(server.port(), "POST", "/api/blobs/sha256:" + "0".repeat(64), new byte[] {1, 2});
        assertThat(wrong.status()).isEqualTo(400);

        RawHttp.Response fromFiles = post("/api/create", "{\"model\":\"uploaded\",\"files\":{\"m.gguf\":\"" + digest + "\"}}");
        assertThat(lines(fromFiles.body()).getLast().get("status").asString()).isEqualTo("success");
        JsonNode gen = Json.mapper().readTree(post("/api/generate",
                "{\"model\":\"uploaded\",\"prompt\":\"hi\",\"stream\":false,\"options\":{\"num_predict\":2}}").body());
        assertThat(gen.get("done").asBoolean()).isTrue();
    }

    @Test
    void badCreateRequests() throws Exception {
        for (String body : List.of("{\"model\":\"x\"}", "{\"model\":\"x\",\"from\":\"/etc/passwd\"}",
                "{\"model\":\"x\",\"from\":\"../secret.gguf\"}", "{\"model\":\"x\",\"from\":\"y\",\"quantize\":\"q9_z\"}",
                "{\"model\":\"x\",\"files\":{\"m.gguf\":\"sha256:" + "1".repeat(64) + "\"}}",
                "{\"model\":\"x\",\"files\":{\"m.gguf\":\"nope\"}}", "{\"model\":\"x\",\"from\":\"y\",\"parameters\":{\"temperature\":\"hot\"}}")) {
            RawHttp.Response r = post("/api/create", body);
            assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
        }
        RawHttp.Response missing = post("/api/create", "{\"model\":\"x\",\"from\":\"nothing\",\"stream\":false}");
        assertThat(missing.status()).as(missing.body()).isEqualTo(404);
    }
}
