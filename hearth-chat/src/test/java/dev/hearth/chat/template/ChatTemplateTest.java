package dev.hearth.chat.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The public API: compiling, fallback, variables, clock, errors, budgets, sharing between threads. */
class ChatTemplateTest {

    private static String render(String template, Map<String, ?> variables) {
        return ChatTemplate.compile(template).render(variables, GoldenTemplatesTest.OPTIONS);
    }

    @Test
    void fallbackIsChatMlAndUsedWhenTheTemplateDoesNotParse() {
        List<String> warnings = new ArrayList<>();
        ChatTemplate t = ChatTemplate.compileOrFallback("{% for %}", warnings::add);
        assertThat(t).isSameAs(ChatTemplate.fallback());
        assertThat(warnings).singleElement().asString().contains("does not parse").contains("ChatML");
        Map<String, Object> vars = Map.of("add_generation_prompt", true, "messages", List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Hi"), Map.of("type", "image")))));
        assertThat(t.render(vars)).isEqualTo(
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");

        warnings.clear();
        assertThat(ChatTemplate.compileOrFallback(null, warnings::add)).isSameAs(ChatTemplate.fallback());
        assertThat(warnings).hasSize(1);
        warnings.clear();
        ChatTemplate good = ChatTemplate.compileOrFallback("{{ 1 }}", warnings::add);
        assertThat(good).isNotSameAs(ChatTemplate.fallback());
        assertThat(warnings).isEmpty();
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> ChatTemplate.compile("line one\n{% if x %}\n{{ 1 + }}\n{% endif %}"))
                .isInstanceOf(TemplateSyntaxException.class)
                .hasMessageContaining("line 3")
                .satisfies(e -> assertThat(((TemplateSyntaxException) e).line()).isEqualTo(3));
        assertThatThrownBy(() -> ChatTemplate.compile("{% if x %}never closed"))
                .hasMessageContaining("endif");
        assertThatThrownBy(() -> ChatTemplate.compile("{{ x|no_such_filter }}"))
                .hasMessageContaining("No filter named 'no_such_filter'");
    }

    @Test
    void raiseExceptionHasExactlyTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.compile("{% if messages[0].role != 'user' %}{{ raise_exception('Conversation roles must"
                + " alternate user/assistant/user/assistant/...') }}{% endif %}ok");
        assertThatThrownBy(() -> t.render(Map.of("messages", List.of(Map.of("role", "assistant")))))
                .isExactlyInstanceOf(TemplateRaisedException.class)
                .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
        assertThat(t.render(Map.of("messages", List.of(Map.of("role", "user"))))).isEqualTo("ok");
    }

    @Test
    void runtimeErrorsNameTheLine() {
        assertThatThrownBy(() -> render("a\n{{ x.y }}", Map.of()))
                .isExactlyInstanceOf(TemplateException.class)
                .hasMessage("'x' is undefined (line 2)");
        assertThatThrownBy(() -> render("{{ 'a' + 1 }}", Map.of()))
                .hasMessageContaining("can only concatenate str (not \"int\") to str");
        assertThatThrownBy(() -> render("{% set l = [] %}{% set _ = l.append(1) %}", Map.of()))
                .hasMessageContaining("access to attribute 'append' of 'list' object is unsafe.");
    }

    @Test
    void javaValuesBecomePythonValues() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("z", 1);
        nested.put("a", null);
        Map<String, Object> vars = new HashMap<>();
        vars.put("i", 7);
        vars.put("l", 7L);
        vars.put("big", new BigInteger("123456789012345678901234567890"));
        vars.put("f", 1.0f);
        vars.put("d", 2.5);
        vars.put("dec", new BigDecimal("0.1"));
        vars.put("b", true);
        vars.put("n", null);
        vars.put("s", "é🌍");
        vars.put("list", Arrays.asList(1, "two", null));
        vars.put("array", new Object[] {1, 2});
        vars.put("map", nested);
        String out = render("{{ i }} {{ l }} {{ big }} {{ f }} {{ d }} {{ dec }} {{ b }} {{ n }} {{ s|length }} {{ list }}"
                + " {{ array }} {{ map }} {{ map|tojson }} {{ i is integer }} {{ f is float }} {{ n is none }}", vars);
        assertThat(out).isEqualTo("7 7 123456789012345678901234567890 1.0 2.5 0.1 True None 2 [1, 'two', None] [1, 2]"
                + " {'z': 1, 'a': None} {\"z\": 1, \"a\": null} True True True");
        assertThatThrownBy(() -> render("{{ x }}", Map.of("x", new Object())))
                .hasMessageContaining("unsupported template variable type");
    }

    @Test
    void inputsAreNotModifiedAndTemplatesCannotMutateThem() {
        List<Object> list = new ArrayList<>(List.of(1, 2));
        assertThatThrownBy(() -> render("{{ l.append(3) }}", Map.of("l", list))).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> render("{{ d.update({'b': 1}) }}", Map.of("d", new HashMap<>(Map.of("a", 1)))))
                .isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> render("{{ d.pop('a') }}", Map.of("d", new HashMap<>(Map.of("a", 1)))))
                .isInstanceOf(TemplateException.class);
        assertThat(list).containsExactly(1, 2);
    }

    @Test
    void strftimeNowReadsTheInjectedClockInItsZone() {
        Clock clock = Clock.fixed(LocalDateTime.of(2025, 1, 2, 3, 4, 5).toInstant(ZoneOffset.ofHours(2)),
                ZoneOffset.ofHours(2));
        String out = ChatTemplate.compile("{{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %-d %e %I%p %j') }}")
                .render(Map.of(), RenderOptions.defaults().withClock(clock));
        assertThat(out).isEqualTo("2025-01-02 03:04:05 Thursday January 2  2 03AM 002");
        // Default options use the real local clock: today's year appears.
        String year = ChatTemplate.compile("{{ strftime_now('%Y') }}").render(Map.of());
        assertThat(year).isEqualTo(String.valueOf(LocalDateTime.now().getYear()));
    }

    @Test
    void budgetsAreConfigurable() {
        ChatTemplate loop = ChatTemplate.compile("{% for i in range(1000) %}{{ i }}{% endfor %}");
        assertThat(loop.render(Map.of())).hasSize(2890);
        assertThatThrownBy(() -> loop.render(Map.of(), RenderOptions.defaults().withMaxSteps(1000)))
                .isInstanceOf(TemplateLimitException.class).hasMessageContaining("1000 evaluation steps");
        assertThatThrownBy(() -> loop.render(Map.of(), RenderOptions.defaults().withMaxOutputChars(100)))
                .isInstanceOf(TemplateLimitException.class).hasMessageContaining("output exceeded 100 chars");
        assertThatThrownBy(() -> ChatTemplate.compile("{{ 'x' * 200 }}").render(Map.of(),
                RenderOptions.defaults().withMaxValueChars(100))).isInstanceOf(TemplateLimitException.class);
        ChatTemplate recursion = ChatTemplate.compile(
                "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(50) }}");
        assertThat(recursion.render(Map.of())).isEmpty();
        assertThatThrownBy(() -> recursion.render(Map.of(), RenderOptions.defaults().withMaxDepth(50)))
                .isInstanceOf(TemplateLimitException.class).hasMessageContaining("nesting too deep");
        assertThatThrownBy(() -> RenderOptions.defaults().withMaxSteps(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void compiledTemplatesAreSharedSafelyBetweenThreads() throws Exception {
        ChatTemplate t = ChatTemplate.compile("{% set ns = namespace(n=0) %}{% for m in messages %}"
                + "{% set ns.n = ns.n + m|length %}{% endfor %}{{ ns.n }}:{{ messages|join(',') }}");
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int k = i;
                results.add(pool.submit(() -> t.render(Map.of("messages", List.of("a".repeat(k), "bb")))));
            }
            for (int i = 0; i < 200; i++) {
                assertThat(results.get(i).get()).isEqualTo((i + 2) + ":" + "a".repeat(i) + ",bb");
            }
        }
    }
}
