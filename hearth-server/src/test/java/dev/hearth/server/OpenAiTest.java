package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.server.api.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The OpenAI-compatible endpoints over HTTP with a tiny model. */
class OpenAiTest {
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

    private static List<JsonNode> events(String sse) {
        List<JsonNode> out = new ArrayList<>();
        String[] blocks = sse.split("\n\n");
        assertThat(blocks[blocks.length - 1]).isEqualTo("data: [DONE]");
        for (int i = 0; i < blocks.length - 1; i++) {
            assertThat(blocks[i]).startsWith("data: ");
            out.add(json(blocks[i].substring(6)));
        }
        return out;
    }

    @Test
    void chatCompletion() throws Exception {
        RawHttp.Response r = post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello\"}]}],\"max_tokens\":5,\"temperature\":0,\"seed\":7}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode o = json(r.body());
        assertThat(o.get("object").asString()).isEqualTo("chat.completion");
        assertThat(o.get("id").asString()).startsWith("chatcmpl-");
        assertThat(o.get("model").asString()).isEqualTo("tiny");
        JsonNode choice = o.get("choices").get(0);
        assertThat(choice.get("message").get("role").asString()).isEqualTo("assistant");
        assertThat(choice.get("finish_reason").asString()).isIn("stop", "length");
        JsonNode u = o.get("usage");
        assertThat(u.get("completion_tokens").asInt()).isBetween(1, 5);
        assertThat(u.get("total_tokens").asInt()).isEqualTo(u.get("prompt_tokens").asInt() + u.get("completion_tokens").asInt());
    }

    @Test
    void chatCompletionStreamsSseWithUsage() throws Exception {
        String body = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_completion_tokens\":6,"
                + "\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        RawHttp.Response r = post("/v1/chat/completions", body);
        assertThat(r.header("Content-Type")).isEqualTo("text/event-stream");
        List<JsonNode> events = events(r.body());
        assertThat(events.getFirst().get("choices").get(0).get("delta").get("role").asString()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events) {
            assertThat(e.get("object").asString()).isEqualTo("chat.completion.chunk");
            if (!e.get("choices").isEmpty() && e.get("choices").get(0).get("delta").has("content")) {
                text.append(e.get("choices").get(0).get("delta").get("content").asString());
            }
        }
        JsonNode finish = events.get(events.size() - 2);
        assertThat(finish.get("choices").get(0).get("finish_reason").asString()).isIn("stop", "length");
        JsonNode usage = events.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isBetween(1, 6);
        JsonNode whole = json(post("/v1/chat/completions", body.replace("\"stream\":true", "\"stream\":false")).body());
        assertThat(text.toString()).isEqualTo(whole.get("choices").get(0).get("message").get("content").asString());
    }

    @Test
    void textCompletion() throws Exception {
        JsonNode o = json(post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"Once\",\"max_tokens\":4,\"stop\":\"zzz\"}").body());
        assertThat(o.get("object").asString()).isEqualTo("text_completion");
        assertThat(o.get("choices").get(0).has("text")).isTrue();
        List<JsonNode> events = events(post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"Once\",\"max_tokens\":4,\"stream\":true}").body());
        assertThat(events.getLast().get("choices").get(0).get("finish_reason").asString()).isIn("stop", "length");
    }

    @Test
    void embeddingsAsFloatsAndBase64() throws Exception {
        JsonNode f = json(post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":[\"a\",\"b\"]}").body());
        assertThat(f.get("object").asString()).isEqualTo("list");
        assertThat(f.get("data")).hasSize(2);
        JsonNode first = f.get("data").get(0).get("embedding");
        JsonNode b = json(post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":\"a\",\"encoding_format\":\"base64\"}").body());
        byte[] bytes = Base64.getDecoder().decode(b.get("data").get(0).get("embedding").asString());
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        assertThat(v.length).isEqualTo(first.size());
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isCloseTo(first.get(i).floatValue(), org.assertj.core.data.Offset.offset(1e-6f));
        }
        JsonNode shortened = json(post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":\"a\",\"dimensions\":8}").body());
        assertThat(shortened.get("data").get(0).get("embedding")).hasSize(8);
        JsonNode tokens = json(post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":[1,2,3]}").body());
        assertThat(tokens.get("usage").get("prompt_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void modelsListAndGet() throws Exception {
        JsonNode list = json(RawHttp.request(server.port(), "GET", "/v1/models", null).body());
        assertThat(list.get("data").get(0).get("id").asString()).isEqualTo("tiny:latest");
        assertThat(list.get("data").get(0).get("object").asString()).isEqualTo("model");
        JsonNode one = json(RawHttp.request(server.port(), "GET", "/v1/models/tiny:latest", null).body());
        assertThat(one.get("id").asString()).isEqualTo("tiny:latest");
        RawHttp.Response missing = RawHttp.request(server.port(), "GET", "/v1/models/nope", null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(json(missing.body()).get("error").get("code").asString()).isEqualTo("model_not_found");
    }

    @Test
    void badRequestsInOpenAisErrorShape() throws Exception {
        for (String body : List.of(
                "{\"model\":\"tiny\"}",
                "{\"model\":\"tiny\",\"messages\":[]}",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":3}",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":-3}",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":\"high\"}",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_object\"}}",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:\"}}]}]}",
                "{\"model\":\"tiny\",\"messages\":\"hello\"}")) {
            RawHttp.Response r = post("/v1/chat/completions", body);
            assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
            JsonNode err = json(r.body()).get("error");
            assertThat(err.get("type").asString()).isEqualTo("invalid_request_error");
            assertThat(err.get("message").asString()).isNotBlank();
        }
        RawHttp.Response bogus = post("/v1/chat/completions",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"bogus\",\"content\":\"y\"}],\"stream\":true}");
        assertThat(bogus.status()).as(bogus.body()).isEqualTo(400);
        JsonNode bogusError = json(bogus.body()).get("error");
        assertThat(bogusError.get("type").asString()).isEqualTo("invalid_request_error");
        assertThat(bogusError.get("message").asString()).contains("messages[1].role").contains("'bogus'")
                .contains("system, developer, user, assistant, tool, function");
        for (String role : List.of("system", "developer", "user")) {
            RawHttp.Response ok = post("/v1/chat/completions", "{\"model\":\"tiny\",\"max_tokens\":1,\"messages\":[{\"role\":\""
                    + role + "\",\"content\":\"x\"},{\"role\":\"user\",\"content\":\"y\"}]}");
            assertThat(ok.status()).as(role + " -> " + ok.body()).isEqualTo(200);
        }
        RawHttp.Response unknown = post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":[]}").status()).isEqualTo(400);
        assertThat(post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":[-1]}").status()).isEqualTo(400);
        assertThat(post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":[99999999]}").status()).isEqualTo(400);
        assertThat(post("/v1/embeddings", "{\"model\":\"tiny\",\"input\":\"a\",\"encoding_format\":\"hex\"}").status()).isEqualTo(400);
    }
}
