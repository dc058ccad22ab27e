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

    /** Checks tool-call ids the way Mistral's templates do: nine characters, and each result names its call. */
    private static final String IDS_TEMPLATE = """
            {%- for m in messages %}
            {%- if m.tool_calls %}{% for c in m.tool_calls %}
            {%- if c.id is not defined or c.id|length != 9 %}{{ raise_exception('Tool call IDs should be alphanumeric strings with length 9!') }}{% endif %}
            {{- '[TOOL_CALLS]' + c.function.name + '[CALL_ID]' + c.id }}{% endfor %}
            {%- elif m.role == 'tool' %}
            {%- if m.tool_call_id is not defined or m.tool_call_id|length != 9 %}{{ raise_exception('Tool call IDs should be alphanumeric strings with length 9!') }}{% endif %}
            {{- '[TOOL_RESULTS]' + m.tool_call_id + '[TOOL_CONTENT]' + m.content + '[/TOOL_RESULTS]' }}
            {%- else %}{{ '[INST]' + m.content + '[/INST]' }}{% endif %}
            {%- endfor %}""";

    @BeforeAll
    static void start() throws Exception {
        ModelStore store = new ModelStore(dir.resolve("models"));
        TestStores.install(store, "tiny", TestStores.model("llama3-Q8_0.gguf"), null, null, null);
        TestStores.install(store, "ids", TestStores.model("llama3-Q8_0.gguf"), IDS_TEMPLATE, null, null);
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
    void ollamaToolCallsWithoutIdsSatisfyTemplatesThatNeedThem() throws Exception {
        String body = "{\"model\":\"ids\",\"stream\":false,\"options\":{\"num_predict\":2},\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris and Rome?\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
                + "{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}},"
                + "{\"function\":{\"name\":\"get_time\",\"arguments\":{}}}]},"
                + "{\"role\":\"tool\",\"content\":\"noon\",\"tool_name\":\"get_time\"},"
                + "{\"role\":\"tool\",\"content\":\"18 degrees\"}]}";
        RawHttp.Response r = post("/api/chat", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        var plain = dev.hearth.server.ollama.GenerateEndpointsAccess.messages(body);
        assertThat(plain.get(2).get("tool_call_id")).isEqualTo("call00002"); // get_time's call, by name
        assertThat(plain.get(3).get("tool_call_id")).isEqualTo("call00001");
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
        assertThat(openAi.get(0).get("id").asString()).matches("[A-Za-z0-9]{9}");
        assertThat(openAi.get(0).get("type").asString()).isEqualTo("function");
        assertThat(openAi.get(0).get("function").get("arguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
    }
}
