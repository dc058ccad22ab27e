package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** {@code hearth template render}, run in-process with stdout and stderr captured. */
class TemplateRenderCommandTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    @SuppressWarnings("unchecked")
    void rendersGoldenCasesByteForByte() throws Exception {
        List<Map<String, Object>> templates = JSON.readValue(
                InspectCommandTest.testdata("chat-templates.json").toFile(), List.class);
        int checked = 0;
        for (Map<String, Object> t : templates) {
            String name = (String) t.get("template");
            // A template with strftime_now, tools and unicode; and one with a plain ChatML shape.
            if (!name.startsWith("Apertus") && !name.startsWith("Qwen-Qwen3")) {
                continue;
            }
            Path template = write("t.jinja", (String) t.get("source"));
            for (Map<String, Object> c : (List<Map<String, Object>>) t.get("cases")) {
                Path input = write("case.json", JSON.writeValueAsString(c));
                var r = InspectCommandTest.hearth("template", "render", "--template", template.toString(),
                        "--input", input.toString(), "--now", "2024-07-26T12:00:00");
                assertThat(r.exitCode()).as(r.err()).isZero();
                assertThat(r.out()).as(name + " / " + c.get("name")).isEqualTo(c.get("expected"));
                assertThat(r.err()).isEmpty();
                checked++;
            }
        }
        assertThat(checked).isEqualTo(14);
    }

    @Test
    void printsNoTrailingNewlineAndExtraVariablesWork() throws Exception {
        Path template = write("t.jinja", "{{ messages[0].content }}|{{ enable_thinking }}|{{ add_generation_prompt }}");
        Path input = write("case.json", "{\"messages\": [{\"role\": \"user\", \"content\": \"Grüße 🌍\"}]}");
        var r = InspectCommandTest.hearth("template", "render", "--template", template.toString(), "--input",
                input.toString(), "--var", "enable_thinking=false");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Grüße 🌍|False|");
    }

    @Test
    void raiseExceptionExitsOneWithTheMessage() throws Exception {
        Path template = write("t.jinja", "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}");
        Path input = write("case.json", "{\"messages\": [{\"role\": \"system\", \"content\": \"x\"}]}");
        var r = InspectCommandTest.hearth("template", "render", "--template", template.toString(), "--input",
                input.toString());
        InspectCommandTest.assertFailsWithOneLine(r, "System role not supported");
        assertThat(r.err()).isEqualTo("hearth: System role not supported" + System.lineSeparator());
    }

    @Test
    void brokenTemplateFallsBackWithAWarningUnlessStrict() throws Exception {
        Path template = write("t.jinja", "{% if %}broken");
        Path input = write("case.json", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"add_generation_prompt\": true}");
        var r = InspectCommandTest.hearth("template", "render", "--template", template.toString(), "--input",
                input.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(r.err()).startsWith("hearth: warning: chat template does not parse");

        var strict = InspectCommandTest.hearth("template", "render", "--strict", "--template", template.toString(),
                "--input", input.toString());
        InspectCommandTest.assertFailsWithOneLine(strict, "Expected an expression");
    }

    @Test
    void hostileTemplateFailsQuickly() throws Exception {
        Path template = write("t.jinja", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        Path input = write("case.json", "{\"messages\": []}");
        long start = System.nanoTime();
        var r = InspectCommandTest.hearth("template", "render", "--template", template.toString(), "--input",
                input.toString());
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        InspectCommandTest.assertFailsWithOneLine(r, "nesting too deep");
    }

    @Test
    void badInputsAreOneLineErrors() throws Exception {
        Path template = write("t.jinja", "x");
        InspectCommandTest.assertFailsWithOneLine(InspectCommandTest.hearth("template", "render", "--template",
                template.toString(), "--input", dir.resolve("missing.json").toString()), "input file not found");
        Path notJson = write("bad.json", "{messages: ");
        InspectCommandTest.assertFailsWithOneLine(InspectCommandTest.hearth("template", "render", "--template",
                template.toString(), "--input", notJson.toString()), "not valid JSON");
        Path noMessages = write("nomsg.json", "{}");
        InspectCommandTest.assertFailsWithOneLine(InspectCommandTest.hearth("template", "render", "--template",
                template.toString(), "--input", noMessages.toString()), "has no \"messages\"");
    }
}
