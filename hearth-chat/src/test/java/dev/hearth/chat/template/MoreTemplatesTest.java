package dev.hearth.chat.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * More real chat templates and harder conversations (parallel tool calls, arguments as a JSON string,
 * reasoning history, content parts, markup in user text...), rendered by Python Jinja2 the way
 * transformers does: see more-templates/README.md. Each case renders byte for byte, fails with the
 * template's own message, or fails where Jinja2 failed.
 */
class MoreTemplatesTest {
    private static final String DIR = "more-templates/";

    private static String resource(String name) throws IOException {
        try (InputStream in = MoreTemplatesTest.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + DIR + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        Map<String, String> testdataSources = new HashMap<>();
        List<Map<String, Object>> golden = json.readValue(
                Files.readString(GoldenTemplatesTest.testdata().resolve("chat-templates.json")), List.class);
        for (Map<String, Object> t : golden) {
            testdataSources.put((String) t.get("template"), (String) t.get("source"));
        }
        List<Map<String, Object>> templates = json.readValue(resource("cases.json"), List.class);
        List<Arguments> out = new ArrayList<>();
        for (Map<String, Object> t : templates) {
            String source = t.containsKey("file")
                    ? resource((String) t.get("file"))
                    : testdataSources.get((String) t.get("testdata"));
            assertThat(source).as("template source of %s", t.get("template")).isNotNull();
            for (Map<String, Object> c : (List<Map<String, Object>>) t.get("cases")) {
                out.add(Arguments.of(Named.of(t.get("template") + " / " + c.get("name"), source), c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rendersLikeJinja2(String source, Map<String, Object> c) {
        ChatTemplate template = ChatTemplate.compile(source);
        Map<String, Object> variables = GoldenTemplatesTest.variables(c);
        if (c.get("variables") instanceof Map<?, ?> more) { // e.g. enable_thinking
            more.forEach((k, v) -> variables.put((String) k, v));
        }
        if (c.containsKey("error")) {
            assertThatThrownBy(() -> template.render(variables, GoldenTemplatesTest.OPTIONS))
                    .isInstanceOf(TemplateRaisedException.class)
                    .hasMessage((String) c.get("error"));
        } else if (c.containsKey("python_error")) {
            assertThatThrownBy(() -> template.render(variables, GoldenTemplatesTest.OPTIONS))
                    .as("Jinja2 failed with %s", c.get("python_error"))
                    .isInstanceOf(TemplateException.class)
                    .isNotInstanceOf(TemplateRaisedException.class);
        } else {
            assertThat(template.render(variables, GoldenTemplatesTest.OPTIONS)).isEqualTo(c.get("expected"));
        }
    }
}
