package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.chat.tools.ToolCall;
import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.store.ModelStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Tools through both APIs: definitions reach the chat template, earlier calls and results in the
 * conversation are accepted, and calls are reported in each API's shape. (The random-weight test models
 * never call a tool; the parsing itself is tested in hearth-chat's ToolCallParserTest.)
 */
class ToolCallsTest {
    @TempDir
    static Path dir;

    private static HearthServer server;

    private static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather in a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
            + "{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(dir.resolve("models"));
        TestStores.install(store, "tiny", TestStores.model("llama3-Q8_0.gguf"), null, null, null);
        server = HearthServer.start(ServerConfig.ephemeralLoopback(), TestServers.schedulerConfig(), new ModelCatalog(store), null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static RawHttp.Response post(String path, String body) throws Exception {
        return RawHttp.request(server.port(), "POST", path, body);
    }

    @Test
    void ollamaChatWithToolsAndAToolResult() throws Exception {
        String body = "{\"model\":\"tiny\",\"tools\":" + TOOLS + ",\"options\":{\"num_predict\":6},\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}}]},"
                + "{\"role\":\"tool\",\"content\":\"18 degrees\",\"tool_name\":\"get_weather\"}]";
        RawHttp.Response whole = post("/api/chat", body + ",\"stream\":false}");
        assertThat(whole.status()).as(whole.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(whole.body()).get("done").asBoolean()).isTrue();
        RawHttp.Response streamed = post("/api/chat", body + "}");
        assertThat(streamed.status()).isEqualTo(200);
        List<String> lines = streamed.body().lines().toList();
        assertThat(Json.mapper().readTree(lines.getLast()).get("done").asBoolean()).isTrue();
    }

    @Test
    void openAiChatWithTools() throws Exception {
        String body = "{\"model\":\"tiny\",\"tools\":" + TOOLS + ",\"tool_choice\":\"auto\",\"max_tokens\":6,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18 degrees\"}]";
        RawHttp.Response whole = post("/v1/chat/completions", body + "}");
        assertThat(whole.status()).as(whole.body()).isEqualTo(200);
        JsonNode choice = Json.mapper().readTree(whole.body()).get("choices").get(0);
        assertThat(choice.get("finish_reason").asString()).isIn("stop", "length", "tool_calls");
        RawHttp.Response streamed = post("/v1/chat/completions", body + ",\"stream\":true}");
        assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
        RawHttp.Response none = post("/v1/chat/completions", body.replace("\"auto\"", "\"none\"") + "}");
        assertThat(none.status()).isEqualTo(200);
    }

    @Test
    void callsInEachApisShape() {
        List<ToolCall> calls = List.of(new ToolCall("get_weather", Map.of("city", "Paris")));
        JsonNode ollama = dev.hearth.server.ollama.GenerateEndpointsAccess.toolCalls(calls);
        assertThat(ollama.get(0).get("function").get("name").asString()).isEqualTo("get_weather");
        assertThat(ollama.get(0).get("function").get("arguments").get("city").asString()).isEqualTo("Paris");
        JsonNode openAi = dev.hearth.server.openai.OpenAiEndpointsAccess.toolCalls(calls, true);
        assertThat(openAi.get(0).get("index").asInt()).isZero();
        assertThat(openAi.get(0).get("id").asString()).startsWith("call_");
        assertThat(openAi.get(0).get("type").asString()).isEqualTo("function");
        assertThat(openAi.get(0).get("function").get("arguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
    }
}
