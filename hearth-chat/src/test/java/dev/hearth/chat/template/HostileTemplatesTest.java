package dev.hearth.chat.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile templates end quickly with a {@link TemplateException} (a budget or the parser's nesting
 * limit), never a hang, an OutOfMemoryError or a StackOverflowError. They run on a thread with a
 * small (512 KiB) stack, smaller than the default of server threads.
 */
class HostileTemplatesTest {

    record Hostile(String name, String template) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Hostile[] templates() {
        return new Hostile[] {
            new Hostile("self-recursive macro", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
            new Hostile("mutually recursive macros",
                    "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}"),
            new Hostile("exponential macro recursion",
                    "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"),
            new Hostile("recursive loop without end", "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}"),
            new Hostile("range(10**9)", "{% for i in range(10**9) %}x{% endfor %}"),
            new Hostile("nested range loops", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"),
            new Hostile("10000 nested parentheses", "{{ " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + " }}"),
            new Hostile("10000 nested ifs", "{% if true %}".repeat(10_000) + "x" + "{% endif %}".repeat(10_000)),
            new Hostile("10000 nested lists", "{{ " + "[".repeat(10_000) + "]".repeat(10_000) + " }}"),
            new Hostile("10000 unary minus", "{{ " + "-".repeat(10_000) + "1 }}"),
            new Hostile("100000-term sum", "{{ 1" + " + 1".repeat(100_000) + " }}"),
            new Hostile("100000 chained filters", "{{ 'a'" + "|upper".repeat(100_000) + " }}"),
            new Hostile("'a' * 10**9", "{{ 'a' * 10**9 }}"),
            new Hostile("(1,) * 10**9", "{{ (1,) * 10**9 }}"),
            new Hostile("10 ** (10 ** 10)", "{{ 10 ** (10 ** 10) }}"),
            new Hostile("doubling list", "{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = ns.l + ns.l %}{% endfor %}"),
            new Hostile("doubling string", "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"),
            new Hostile("quadratic string growth", "{% set ns = namespace(s='') %}{% for i in range(100000) %}"
                    + "{% set ns.s = ns.s ~ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' %}{% endfor %}"),
            new Hostile("deeply nested value printed", "{% set ns = namespace(x=1) %}{% for i in range(100000) %}"
                    + "{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}"),
            new Hostile("deeply nested value to JSON", "{% set ns = namespace(x=1) %}{% for i in range(100000) %}"
                    + "{% set ns.x = {'a': ns.x} %}{% endfor %}{{ ns.x|tojson }}"),
            new Hostile("namespace containing itself", "{% set ns = namespace() %}{% set ns.a = ns %}{{ ns }}"),
            new Hostile("huge output", "{% for i in range(100000) %}{% for j in range(1000) %}"
                    + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}{% endfor %}"),
            new Hostile("huge format width", "{{ '{:>999999999}'.format(1) }}"),
            new Hostile("huge printf width", "{{ '%999999999d' % 1 }}"),
            new Hostile("huge center", "{{ 'x'.center(10**9) }}"),
            new Hostile("huge indent", "{{ 'x'|indent(10**9) }}"),
            new Hostile("huge replace", "{{ ('x' * 1000000).replace('x', 'y' * 100) }}"),
        };
    }

    @ParameterizedTest
    @MethodSource("templates")
    void stopsQuicklyWithAnError(Hostile h) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<String> output = new AtomicReference<>();
        AtomicLong cpuNanos = new AtomicLong();
        Thread t = new Thread(null, () -> {
            try {
                output.set(ChatTemplate.compile(h.template()).render(Map.of()));
            } catch (Throwable e) {
                thrown.set(e);
            } finally {
                cpuNanos.set(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
            }
        }, "hostile", 512 * 1024);
        t.start();
        t.join(60_000);
        assertThat(t.isAlive()).as("still running after 60 s").isFalse();
        assertThat(output.get()).as("rendered instead of failing").isNull();
        assertThat(thrown.get()).isInstanceOf(TemplateException.class);
        // CPU time, not wall time: CI machines are shared. Typically well under a second.
        assertThat(cpuNanos.get() / 1_000_000).as("CPU milliseconds to stop").isLessThan(3_000);
    }
}
