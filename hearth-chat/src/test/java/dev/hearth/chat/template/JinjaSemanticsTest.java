package dev.hearth.chat.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Small templates probing Python and Jinja2 semantics, with the output Python Jinja2 gives
 * (jinja-semantics/expected.json, made by jinja-semantics/generate.py): the same text, or a failure
 * where Jinja2 fails, of the same kind (a syntax error when compiling, raise_exception's exact message).
 */
class JinjaSemanticsTest {

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws Exception {
        try (InputStream in = JinjaSemanticsTest.class.getResourceAsStream("jinja-semantics/expected.json")) {
            Map<String, Object> file = JsonMapper.builder().build().readValue(in, Map.class);
            return ((List<Map<String, Object>>) file.get("cases")).stream()
                    .map(c -> Arguments.of(Named.of(abbreviate((String) c.get("template")), c)));
        }
    }

    private static String abbreviate(String template) {
        String oneLine = template.replace("\n", "\\n");
        return oneLine.length() > 90 ? oneLine.substring(0, 90) + "..." : oneLine;
    }

    @ParameterizedTest
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void rendersLikeJinja2(Map<String, Object> c) {
        String template = (String) c.get("template");
        Map<String, Object> variables = (Map<String, Object>) c.get("variables");
        if (c.containsKey("expected")) {
            assertThat(ChatTemplate.compile(template).render(variables, GoldenTemplatesTest.OPTIONS))
                    .isEqualTo(c.get("expected"));
            return;
        }
        String error = (String) c.get("error");
        switch (error) {
            case "TemplateSyntaxError", "TemplateAssertionError", "SyntaxError" ->
                    assertThatThrownBy(() -> ChatTemplate.compile(template)).isInstanceOf(TemplateSyntaxException.class);
            case "TemplateError" -> assertThatThrownBy(() -> ChatTemplate.compile(template).render(variables,
                    GoldenTemplatesTest.OPTIONS)).isInstanceOf(TemplateRaisedException.class).hasMessage((String) c.get("message"));
            default -> {
                ChatTemplate compiled = ChatTemplate.compile(template);
                assertThatThrownBy(() -> compiled.render(variables, GoldenTemplatesTest.OPTIONS))
                        .as(error + ": " + c.get("message"))
                        .isInstanceOf(TemplateException.class)
                        .isNotInstanceOf(TemplateSyntaxException.class);
            }
        }
    }
}
