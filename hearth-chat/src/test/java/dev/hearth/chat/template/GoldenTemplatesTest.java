package dev.hearth.chat.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every case of testdata/chat-templates.json (real templates rendered by Python Jinja2 the way
 * transformers does, see testdata/README.md) renders byte for byte, or fails with the template's message.
 */
class GoldenTemplatesTest {
    /** strftime_now was fixed at this time when the expected outputs were made. */
    static final RenderOptions OPTIONS = RenderOptions.defaults()
            .withClock(Clock.fixed(LocalDateTime.of(2024, 7, 26, 12, 0, 0).toInstant(ZoneOffset.UTC), ZoneOffset.UTC));

    static Path testdata() {
        return Path.of(System.getProperty("hearth.testdata", "../testdata"));
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws Exception {
        List<Map<String, Object>> templates = JsonMapper.builder().build()
                .readValue(Files.readString(testdata().resolve("chat-templates.json")), List.class);
        List<Arguments> out = new ArrayList<>();
        for (Map<String, Object> t : templates) {
            for (Map<String, Object> c : (List<Map<String, Object>>) t.get("cases")) {
                out.add(Arguments.of(Named.of(t.get("template") + " / " + c.get("name"), (String) t.get("source")), c));
            }
        }
        return out.stream();
    }

    static Map<String, Object> variables(Map<String, Object> c) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", c.get("messages"));
        vars.put("add_generation_prompt", c.get("add_generation_prompt"));
        vars.put("bos_token", c.get("bos_token"));
        vars.put("eos_token", c.get("eos_token"));
        if (c.containsKey("tools")) {
            vars.put("tools", c.get("tools"));
        }
        return vars;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rendersLikeJinja2(String source, Map<String, Object> c) {
        ChatTemplate template = ChatTemplate.compile(source);
        if (c.containsKey("error")) {
            assertThatThrownBy(() -> template.render(variables(c), OPTIONS))
                    .isInstanceOf(TemplateRaisedException.class)
                    .hasMessage((String) c.get("error"));
        } else {
            assertThat(template.render(variables(c), OPTIONS)).isEqualTo(c.get("expected"));
        }
    }
}
