package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.server.api.Json;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Generation, chat and embeddings over HTTP with a tiny model. */
class GenerationTest {
    @TempDir
    static Path dir;

    private static HearthServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.withTinyModel(dir);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static RawHttp.Response post(String path, String body) throws Exception {
        return RawHttp.request(server.port(), "POST", path, body);
    }

    private static JsonNode json(String s) {
        return Json.mapper().readTree(s);
    }

    @Test
    void generateNonStreaming() throws Exception {
        RawHttp.Response r = post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"Once upon a time\",\"stream\":false,"
                + "\"options\":{\"num_predict\":8,\"temperature\":0}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode o = json(r.body());
        assertThat(o.get("model").asString()).isEqualTo("tiny:latest");
        assertThat(o.get("done").asBoolean()).isTrue();
        assertThat(o.get("done_reason").asString()).isIn("stop", "length");
        assertThat(o.get("eval_count").asInt()).isBetween(1, 8);
        assertThat(o.get("prompt_eval_count").asInt()).isPositive();
        for (String f : List.of("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")) {
            assertThat(o.get(f).isIntegralNumber()).as(f).isTrue();
        }
        assertThat(o.get("context").size()).isGreaterThan(o.get("prompt_eval_count").asInt() - 1);
    }

    @Test
    void generateStreamsNdjsonAndMatchesNonStreaming() throws Exception {
        String body = "{\"model\":\"tiny\",\"prompt\":\"Hello\",\"options\":{\"num_predict\":10,\"temperature\":0}}";
        RawHttp.Response r = post("/api/generate", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/x-ndjson");
        List<JsonNode> lines = Arrays.stream(r.body().split("\n")).map(GenerationTest::json).toList();
        assertThat(lines.getLast().get("done").asBoolean()).isTrue();
        StringBuilder text = new StringBuilder();
        for (JsonNode l : lines.subList(0, lines.size() - 1)) {
            assertThat(l.get("done").asBoolean()).isFalse();
            text.append(l.get("response").asString());
        }
        JsonNode whole = json(post("/api/generate", body.replace("}}", "},\"stream\":false}")).body());
        assertThat(text.toString()).isEqualTo(whole.get("response").asString());
    }

    @Test
    void chatStreamingAndNot() throws Exception {
        String body = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"options\":{\"num_predict\":6,\"temperature\":0}";
        JsonNode whole = json(post("/api/chat", body + ",\"stream\":false}").body());
        assertThat(whole.get("message").get("role").asString()).isEqualTo("assistant");
        RawHttp.Response streamed = post("/api/chat", body + "}");
        StringBuilder text = new StringBuilder();
        JsonNode last = null;
        for (String l : streamed.body().split("\n")) {
            last = json(l);
            text.append(last.get("message").get("content").asString());
        }
        assertThat(last.get("done").asBoolean()).isTrue();
        assertThat(last.get("done_reason").asString()).isIn("stop", "length");
        assertThat(text.toString()).isEqualTo(whole.get("message").get("content").asString());
    }

    @Test
    void emptyPromptLoadsAndKeepAliveZeroUnloads() throws Exception {
        JsonNode load = json(post("/api/generate", "{\"model\":\"tiny\"}").body());
        assertThat(load.get("done_reason").asString()).isEqualTo("load");
        JsonNode ps = json(RawHttp.request(server.port(), "GET", "/api/ps", null).body());
        assertThat(ps.get("models").get(0).get("name").asString()).isEqualTo("tiny:latest");
        JsonNode unload = json(post("/api/chat", "{\"model\":\"tiny\",\"messages\":[],\"keep_alive\":0}").body());
        assertThat(unload.get("done_reason").asString()).isEqualTo("unload");
        assertThat(json(RawHttp.request(server.port(), "GET", "/api/ps", null).body()).get("models")).isEmpty();
    }

    @Test
    void embeddingsAreNormalisedAndBatched() throws Exception {
        JsonNode o = json(post("/api/embed", "{\"model\":\"tiny\",\"input\":[\"hello\",\"world\",\"hello\"]}").body());
        JsonNode e = o.get("embeddings");
        assertThat(e).hasSize(3);
        double norm = 0;
        for (JsonNode x : e.get(0)) {
            norm += x.asDouble() * x.asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        TestServers.assertSameEmbedding(e.get(2), e.get(0));
        assertThat(e.get(0)).isNotEqualTo(e.get(1));
        JsonNode legacy = json(post("/api/embeddings", "{\"model\":\"tiny\",\"prompt\":\"hello\"}").body());
        TestServers.assertSameEmbedding(legacy.get("embedding"), e.get(0));
    }

    @Test
    void badGenerationRequests() throws Exception {
        for (String body : List.of(
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"options\":{\"temperature\":-1}}",
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"options\":{\"num_ctx\":1e12}}",
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"options\":{\"top_k\":\"many\"}}",
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"options\":{\"num_predict\":-5}}",
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"keep_alive\":\"forever\"}",
                "{\"model\":\"tiny\",\"prompt\":5}",
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"images\":[\"aGk=\"]}",
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"format\":\"json\"}",
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"context\":[-1]}",
                "{\"model\":\"tiny\",\"prompt\":\"x\",\"context\":[99999999]}",
                "{\"model\":\"../etc/passwd\",\"prompt\":\"x\"}",
                "{\"prompt\":\"x\"}")) {
            RawHttp.Response r = post("/api/generate", body);
            assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
            assertThat(json(r.body()).get("error").asString()).isNotBlank();
        }
        for (String body : List.of(
                "{\"model\":\"tiny\",\"messages\":{}}",
                "{\"model\":\"tiny\",\"messages\":[{\"content\":\"no role\"}]}",
                "{\"model\":\"tiny\",\"messages\":[1]}",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"images\":[\"aGk=\"]}]}")) {
            RawHttp.Response r = post("/api/chat", body);
            assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
        }
        for (String role : List.of("bogus", "developer", "function", "User")) {
            RawHttp.Response r = post("/api/chat", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"" + role
                    + "\",\"content\":\"x\"}]}");
            assertThat(r.status()).as(role + " -> " + r.body()).isEqualTo(400);
            assertThat(json(r.body()).get("error").asString()).contains("messages[0].role").contains("'" + role + "'")
                    .contains("system, user, assistant, tool");
        }
        RawHttp.Response missing = post("/api/chat", "{\"model\":\"nope\",\"messages\":[]}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(json(missing.body()).get("error").asString()).isEqualTo("model 'nope:latest' not found");
    }
}
