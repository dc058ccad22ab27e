/**
 * Chat templates: a sandboxed Jinja2 engine for the templates Hugging Face models ship.
 *
 * <p>Entry point: {@link dev.hearth.chat.template.ChatTemplate} ({@code compile}, {@code compileOrFallback},
 * {@code render}); {@link dev.hearth.chat.template.RenderOptions} sets the clock and budgets; failures are
 * {@link dev.hearth.chat.template.TemplateException}s.
 *
 * <p>Semantics follow Python Jinja2 3.1 as transformers configures it for {@code apply_chat_template}:
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with loop controls, the
 * globals {@code raise_exception} and {@code strftime_now}, {@code tojson} as Python's {@code json.dumps},
 * and the {@code {% generation %}} tag. Values behave like Python's: dicts keep insertion order, ints
 * are unbounded (up to a size limit), floats print as Python's {@code repr}, strings index by code point,
 * and {@code None}/{@code True} print as in Python.
 *
 * <p>Supported: all statements chat templates use (if/elif/else, for with {@code loop.*}, filters,
 * {@code else} and {@code recursive}, break/continue, set and block set, namespace, macro, call,
 * filter blocks, with, raw, block, whitespace control), the full expression grammar (slices, tests,
 * filters, calls with {@code *args}/{@code **kwargs}), all of Jinja's built-in tests, the built-in
 * filters except {@code urlize}, and the methods of Python's str, dict, list and
 * tuple (printf-style {@code %} and {@code str.format} included).
 *
 * <p>Not supported: {@code include}, {@code import} and {@code extends} (no template loader: an error
 * when executed), {@code {% autoescape true %}}, complex numbers, {@code lipsum}, {@code self} and
 * block inheritance. Python prints some objects with memory addresses ({@code <generator object ... at
 * 0x...>}); those print without the address here.
 *
 * <p>The sandbox: templates see a closed set of value types (no Java objects, no reflection), cannot
 * modify their inputs (list and dict mutators are security errors, as in Jinja's immutable sandbox;
 * only {@code namespace} objects are mutable), and are stopped by budgets on evaluation steps,
 * nesting depth, value size and output size.
 */
package dev.hearth.chat.template;
