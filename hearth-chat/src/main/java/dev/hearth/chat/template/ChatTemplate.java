package dev.hearth.chat.template;

import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A compiled chat template: the Jinja2 subset that Hugging Face chat templates use, rendered with
 * the semantics of transformers' {@code apply_chat_template} (Python Jinja2's
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with loop controls,
 * {@code tojson} as {@code json.dumps}, {@code raise_exception}, {@code strftime_now} and
 * {@code {% generation %}}).
 *
 * <p>Typical use: {@code ChatTemplate.compileOrFallback(ggufTemplate, log::warn).render(Map.of("messages", msgs,
 * "add_generation_prompt", true, "bos_token", bos, "eos_token", eos))}. Variables are plain Java values
 * (Map with String keys, List, String, Number, Boolean, null), such as parsed JSON.
 *
 * <p>Rendering is sandboxed: templates see only a closed set of value types, cannot mutate their
 * inputs, and stop with a {@link TemplateLimitException} when a budget of {@link RenderOptions} runs
 * out. Instances are immutable and safe to share between threads.
 */
public final class ChatTemplate {
    /** A ChatML template, the default when a model's own template cannot be used. */
    public static final String FALLBACK_SOURCE = """
            {%- for message in messages -%}
            {{- '<|im_start|>' + message['role'] + '\\n' -}}
            {%- if message['content'] is string -%}
            {{- message['content'] -}}
            {%- elif message['content'] is iterable -%}
            {%- for part in message['content'] -%}
            {%- if part['type'] == 'text' -%}{{- part['text'] -}}{%- endif -%}
            {%- endfor -%}
            {%- endif -%}
            {{- '<|im_end|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            {{- '<|im_start|>assistant\\n' -}}
            {%- endif -%}
            """;

    private static final System.Logger LOG = System.getLogger(ChatTemplate.class.getName());
    private static final int MAX_INPUT_DEPTH = 512;

    private final String source;
    private final List<Stmt> body;

    private ChatTemplate(String source, List<Stmt> body) {
        this.source = source;
        this.body = body;
    }

    /**
     * Parses a template.
     *
     * @throws TemplateSyntaxException if it is not valid Jinja, uses an unknown filter or test outside a
     *                                 conditional, or nests deeper than the parser allows
     */
    public static ChatTemplate compile(String source) {
        Objects.requireNonNull(source, "source");
        return new ChatTemplate(source, Parser.parse(source));
    }

    /**
     * Parses a template, or returns {@link #fallback()} when it does not parse (or is null or blank),
     * reporting why to {@code warning}.
     */
    public static ChatTemplate compileOrFallback(String source, Consumer<String> warning) {
        if (source == null || source.isBlank()) {
            warning.accept("no chat template given; using the default ChatML template");
            return fallback();
        }
        try {
            return compile(source);
        } catch (TemplateSyntaxException e) {
            warning.accept("chat template does not parse (" + e.getMessage() + "); using the default ChatML template");
            return fallback();
        }
    }

    /** {@link #compileOrFallback(String, Consumer)} that logs the warning with {@link System.Logger}. */
    public static ChatTemplate compileOrFallback(String source) {
        return compileOrFallback(source, message -> LOG.log(Level.WARNING, message));
    }

    /** The default ChatML template ({@link #FALLBACK_SOURCE}). */
    public static ChatTemplate fallback() {
        return Holder.FALLBACK;
    }

    private static final class Holder {
        static final ChatTemplate FALLBACK = compile(FALLBACK_SOURCE);
    }

    public String source() {
        return source;
    }

    /** Renders with the local clock and default budgets. */
    public String render(Map<String, ?> variables) {
        return render(variables, RenderOptions.defaults());
    }

    /**
     * Renders the template with these variables (converted from plain Java values; they are not modified).
     *
     * @throws TemplateRaisedException if the template called {@code raise_exception}
     * @throws TemplateLimitException  if a budget ran out
     * @throws TemplateException       for any other runtime error (undefined attribute access, type errors, ...)
     */
    public String render(Map<String, ?> variables, RenderOptions options) {
        Objects.requireNonNull(variables, "variables");
        Objects.requireNonNull(options, "options");
        Interpreter interpreter = new Interpreter(options);
        Scope builtins = new Scope(null);
        Globals.install(builtins);
        Scope globals = new Scope(builtins);
        for (Map.Entry<String, ?> e : variables.entrySet()) {
            globals.set(Objects.requireNonNull(e.getKey(), "variable name"), fromJava(e.getValue(), 0, interpreter.budget));
        }
        try {
            return interpreter.render(body, globals);
        } catch (TemplateRaisedException | TemplateLimitException | TemplateSyntaxException e) {
            throw e;
        } catch (TemplateException e) {
            throw new TemplateException(e.getMessage() + " (line " + interpreter.line + ")", e);
        } catch (StackOverflowError e) {
            // Safety net: the depth budget should stop recursion long before the stack ends.
            throw new TemplateLimitException("template nesting too deep (stack exhausted)");
        }
    }

    /** Converts a plain Java value to the engine's value model (see {@link PyObjects}). */
    private static Object fromJava(Object v, int depth, Budget budget) {
        if (depth > MAX_INPUT_DEPTH) {
            throw new TemplateException("template variables nest deeper than " + MAX_INPUT_DEPTH + " levels");
        }
        budget.step();
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case BigInteger b -> PyNumbers.normalize(b);
            case Double d -> d;
            case Float f -> (double) f;
            case BigDecimal d -> d.doubleValue();
            case Character c -> String.valueOf(c);
            case Map<?, ?> m -> {
                PyDict d = new PyDict(m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    d.put(fromJava(e.getKey(), depth + 1, budget), fromJava(e.getValue(), depth + 1, budget));
                }
                yield d;
            }
            case List<?> l -> {
                List<Object> items = new ArrayList<>(l.size());
                for (Object o : l) {
                    items.add(fromJava(o, depth + 1, budget));
                }
                yield PyList.list(items);
            }
            case Object[] a -> fromJava(List.of(a), depth, budget);
            default -> throw new TemplateException("unsupported template variable type " + v.getClass().getName());
        };
    }
}
