package dev.hearth.chat.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolCallParserTest {
    private static final Map<String, Object> PARIS = Map.of("city", "Paris");

    @Test
    void formatFromTemplate() {
        assertThat(ToolCallFormat.forTemplate("{% if tools %}<tool_call>{% endif %}")).isEqualTo(ToolCallFormat.HERMES);
        assertThat(ToolCallFormat.forTemplate("[AVAILABLE_TOOLS] ... [TOOL_CALLS]")).isEqualTo(ToolCallFormat.MISTRAL);
        assertThat(ToolCallFormat.forTemplate("<|start_header_id|>ipython ... {% if tools %}")).isEqualTo(ToolCallFormat.LLAMA3_JSON);
        assertThat(ToolCallFormat.forTemplate("{{ messages }}")).isEqualTo(ToolCallFormat.GENERIC);
        assertThat(ToolCallFormat.forTemplate(null)).isEqualTo(ToolCallFormat.GENERIC);
    }

    @Test
    void hermesBlocks() {
        var p = ToolCallParser.parse("Let me check.\n<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
                + "</tool_call>\n<tool_call>\n{\"name\": \"time\", \"arguments\": {}}\n</tool_call>", ToolCallFormat.HERMES);
        assertThat(p.content()).isEqualTo("Let me check.");
        assertThat(p.calls()).containsExactly(new ToolCall("weather", PARIS), new ToolCall("time", Map.of()));
        // unclosed at the end (the model stopped), arguments quoted as a string
        var q = ToolCallParser.parse("<tool_call>{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}",
                ToolCallFormat.HERMES);
        assertThat(q.calls()).containsExactly(new ToolCall("weather", PARIS));
        assertThat(q.content()).isEmpty();
    }

    @Test
    void llamaJson() {
        var p = ToolCallParser.parse(" {\"name\": \"weather\", \"parameters\": {\"city\": \"Paris\"}}", ToolCallFormat.LLAMA3_JSON);
        assertThat(p.calls()).containsExactly(new ToolCall("weather", PARIS));
        var two = ToolCallParser.parse("{\"name\":\"a\",\"parameters\":{}}; {\"name\":\"b\",\"parameters\":{\"x\":1}}",
                ToolCallFormat.LLAMA3_JSON);
        assertThat(two.calls()).extracting(ToolCall::name).containsExactly("a", "b");
        assertThat(two.calls().get(1).arguments()).containsEntry("x", 1L);
        var tagged = ToolCallParser.parse("<|python_tag|>{\"name\":\"a\",\"parameters\":{}}", ToolCallFormat.LLAMA3_JSON);
        assertThat(tagged.calls()).hasSize(1);
    }

    @Test
    void mistral() {
        var p = ToolCallParser.parse("[TOOL_CALLS] [{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abc123def\"}]",
                ToolCallFormat.MISTRAL);
        assertThat(p.calls()).containsExactly(new ToolCall("weather", PARIS));
        var stripped = ToolCallParser.parse("[{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}]", ToolCallFormat.MISTRAL);
        assertThat(stripped.calls()).containsExactly(new ToolCall("weather", PARIS));
        var v11 = ToolCallParser.parse("[TOOL_CALLS]weather[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]time[ARGS]{}", ToolCallFormat.MISTRAL);
        assertThat(v11.calls()).containsExactly(new ToolCall("weather", PARIS), new ToolCall("time", Map.of()));
    }

    @Test
    void textThatIsNotACallIsContent() {
        for (String text : List.of("Hello there", "{\"not\": \"a call\"}", "[1, 2, 3]", "{\"name\": \"x\", \"arguments\": [1]}",
                "{\"name\": 5}", "{broken json", "<tool_call>{broken</tool_call>", "<tool_call>{\"arguments\":{}}</tool_call>",
                "{\"name\":\"a\",\"parameters\":{}} and then some words")) {
            for (ToolCallFormat f : ToolCallFormat.values()) {
                var p = ToolCallParser.parse(text, f);
                assertThat(p.calls()).as(text + " / " + f).isEmpty();
                assertThat(p.content()).isEqualTo(text);
            }
        }
    }

    @Test
    void genericAcceptsEveryShape() {
        assertThat(ToolCallParser.parse("<tool_call>{\"name\":\"a\",\"arguments\":{}}</tool_call>", ToolCallFormat.GENERIC).calls()).hasSize(1);
        assertThat(ToolCallParser.parse("{\"name\":\"a\",\"arguments\":{}}", ToolCallFormat.GENERIC).calls()).hasSize(1);
        assertThat(ToolCallParser.parse("[TOOL_CALLS] [{\"name\":\"a\",\"arguments\":{}}]", ToolCallFormat.GENERIC).calls()).hasSize(1);
        assertThat(ToolCallParser.parse("{\"function\":{\"name\":\"a\",\"arguments\":{\"k\":true}}}", ToolCallFormat.GENERIC)
                .calls().getFirst().arguments()).containsEntry("k", true);
    }

    /** Feeds the text one character at a time, as the worst case of streaming. */
    private static String streamed(String text, ToolCallFormat f, List<ToolCall> calls) {
        ToolCallStream s = new ToolCallStream(f);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            out.append(s.feed(text.substring(i, i + 1)));
        }
        var p = s.finish();
        out.append(p.content());
        calls.addAll(p.calls());
        return out.toString();
    }

    @Test
    void streamingPassesTextOnAndHoldsCallsBack() {
        List<ToolCall> calls = new ArrayList<>();
        String text = streamed("I will look <tool it up.\n<tool_call>{\"name\":\"weather\",\"arguments\":{\"city\":\"Paris\"}}</tool_call>",
                ToolCallFormat.HERMES, calls);
        assertThat(text).isEqualTo("I will look <tool it up.\n");
        assertThat(calls).containsExactly(new ToolCall("weather", PARIS));

        calls.clear();
        assertThat(streamed("  {\"name\":\"weather\",\"parameters\":{\"city\":\"Paris\"}}", ToolCallFormat.LLAMA3_JSON, calls)).isEmpty();
        assertThat(calls).hasSize(1);

        calls.clear();
        assertThat(streamed("Just text, no tools.", ToolCallFormat.GENERIC, calls)).isEqualTo("Just text, no tools.");
        assertThat(calls).isEmpty();

        calls.clear();
        assertThat(streamed("{\"a\": 1} is JSON but not a call", ToolCallFormat.LLAMA3_JSON, calls))
                .isEqualTo("{\"a\": 1} is JSON but not a call");
        assertThat(calls).isEmpty();
    }

    @Test
    void streamingPiecesMatchWholeText() {
        ToolCallStream s = new ToolCallStream(ToolCallFormat.HERMES);
        StringBuilder out = new StringBuilder();
        for (String piece : List.of("Hel", "lo <", "tool_", "call>{\"name\":", "\"f\",\"arguments\":{}}</tool_call>")) {
            out.append(s.feed(piece));
        }
        var p = s.finish();
        assertThat(out.toString() + p.content()).isEqualTo("Hello ");
        assertThat(p.calls()).containsExactly(new ToolCall("f", Map.of()));
    }

    @Test
    void jsonReaderIsStrictAndBounded() {
        assertThat(JsonValue.parse("{\"a\":[1,2.5,\"x\\u00e9\",true,null,-0.5e2]}"))
                .isEqualTo(Map.of("a", java.util.Arrays.asList(1L, 2.5, "xé", true, null, -50.0)));
        for (String bad : List.of("{", "{\"a\":1,}", "[1,]", "01", "\"\\x\"", "{\"a\":1,\"a\":2}", "tru", "[" .repeat(100) + "]".repeat(100),
                "\"a\nb\"", "1 2")) {
            assertThatThrownBy(() -> JsonValue.parse(bad)).as(bad).isInstanceOf(JsonValue.JsonSyntaxException.class);
        }
        assertThat(JsonValue.write(Map.of("k", "a\"b\n"))).isEqualTo("{\"k\":\"a\\\"b\\n\"}");
        assertThat(new ToolCall("f", Map.of("x", 1L)).argumentsJson()).isEqualTo("{\"x\":1}");
    }
}
