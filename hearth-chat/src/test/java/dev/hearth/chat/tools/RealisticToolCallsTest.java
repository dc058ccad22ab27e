package dev.hearth.chat.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Outputs as real models write them (several calls, arguments as a string or an object, text before the
 * calls, markers that are control tokens and so never reach the text), parsed whole and streamed in pieces
 * of every size: both ways give the same calls and the same content.
 */
class RealisticToolCallsTest {
    private static final Map<String, Object> PARIS = Map.of("city", "Paris");
    private static final Map<String, Object> UTC = Map.of("tz", "UTC");
    private static final ToolCall WEATHER = new ToolCall("get_weather", PARIS);
    private static final ToolCall TIME = new ToolCall("get_time", UTC);

    static Stream<Arguments> outputs() {
        return Stream.of(
                // Qwen 2.5 / 3, Hermes: one block per call, new lines around the JSON.
                Arguments.of(ToolCallFormat.HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
                        + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"tz\": \"UTC\"}}\n</tool_call>", "", List.of(WEATHER, TIME)),
                Arguments.of(ToolCallFormat.HERMES, "Let me check that for you.\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                        + "\"{\\\"city\\\": \\\"Paris\\\"}\"}\n</tool_call>", "Let me check that for you.", List.of(WEATHER)),
                Arguments.of(ToolCallFormat.HERMES, "<think>\nThe user wants the weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", "
                        + "\"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", "<think>\nThe user wants the weather.\n</think>", List.of(WEATHER)),
                Arguments.of(ToolCallFormat.HERMES, "Paris is sunny today.", "Paris is sunny today.", List.of()),
                // Llama 3.1-3.3: <|python_tag|> is a control token, the answer is the JSON.
                Arguments.of(ToolCallFormat.LLAMA3_JSON, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", "", List.of(WEATHER)),
                Arguments.of(ToolCallFormat.LLAMA3_JSON, "{\"type\": \"function\", \"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
                        "", List.of(WEATHER)),
                Arguments.of(ToolCallFormat.LLAMA3_JSON, "{\"name\": \"get_weather\", \"parameters\": \"{\\\"city\\\": \\\"Paris\\\"}\"}\n"
                        + "{\"name\": \"get_time\", \"parameters\": {\"tz\": \"UTC\"}}", "", List.of(WEATHER, TIME)),
                Arguments.of(ToolCallFormat.LLAMA3_JSON, "It is 21 degrees in Paris.", "It is 21 degrees in Paris.", List.of()),
                // Mistral Nemo / Small 3.1: [TOOL_CALLS] is a control token, so usually only the array reaches the text.
                Arguments.of(ToolCallFormat.MISTRAL, "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"a1B2c3D4e\"}, "
                        + "{\"name\": \"get_time\", \"arguments\": {\"tz\": \"UTC\"}, \"id\": \"f5G6h7I8j\"}]", "", List.of(WEATHER, TIME)),
                Arguments.of(ToolCallFormat.MISTRAL, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]", "",
                        List.of(WEATHER)),
                Arguments.of(ToolCallFormat.MISTRAL, "I'll look it up.[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]",
                        "I'll look it up.", List.of(WEATHER)),
                // Mistral Small 3.2, Magistral, Devstral, Ministral 3: name[ARGS]{...} after each [TOOL_CALLS].
                Arguments.of(ToolCallFormat.MISTRAL, "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]get_time[ARGS]{\"tz\": \"UTC\"}", "",
                        List.of(WEATHER, TIME)),
                Arguments.of(ToolCallFormat.MISTRAL, "Checking.[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}", "Checking.", List.of(WEATHER)),
                // ... and the same when [TOOL_CALLS] and [ARGS] are control tokens that do not reach the text.
                Arguments.of(ToolCallFormat.MISTRAL, "get_weather{\"city\": \"Paris\"}get_time{\"tz\": \"UTC\"}", "", List.of(WEATHER, TIME)),
                Arguments.of(ToolCallFormat.MISTRAL, "Bonjour! Il fait beau.", "Bonjour! Il fait beau.", List.of()),
                Arguments.of(ToolCallFormat.MISTRAL, "Paris{is} nice", "Paris{is} nice", List.of()),
                // A template that shows none of the formats: any is accepted.
                Arguments.of(ToolCallFormat.GENERIC, "Sure.[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]", "Sure.",
                        List.of(WEATHER)),
                Arguments.of(ToolCallFormat.GENERIC, "Sure.\n<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>",
                        "Sure.", List.of(WEATHER)));
    }

    @ParameterizedTest
    @MethodSource("outputs")
    void wholeAndStreamedAgree(ToolCallFormat format, String output, String content, List<ToolCall> calls) {
        ToolCallParser.Parsed whole = ToolCallParser.parse(output, format);
        assertThat(whole.calls()).containsExactlyElementsOf(calls);
        assertThat(whole.content()).isEqualTo(content);
        Random random = new Random(output.hashCode());
        for (int round = 0; round < 20; round++) {
            ToolCallStream stream = new ToolCallStream(format);
            StringBuilder shown = new StringBuilder();
            int i = 0;
            while (i < output.length()) {
                int n = round == 0 ? 1 : 1 + random.nextInt(8);
                int end = Math.min(output.length(), i + n);
                shown.append(stream.feed(output.substring(i, end)));
                i = end;
            }
            ToolCallParser.Parsed rest = stream.finish();
            shown.append(rest.content());
            assertThat(rest.calls()).as("streamed calls, round %d", round).containsExactlyElementsOf(calls);
            assertThat(shown.toString().strip()).as("streamed content, round %d", round).isEqualTo(content);
        }
    }
}
