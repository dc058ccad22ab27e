package dev.hearth.chat.template;

import java.util.List;
import java.util.Map;

/** Anything a template can call: macros, the caller of a call block, globals, bound methods, loop helpers. */
interface PyCallable {
    Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs);

    /** How the value prints, e.g. {@code <Macro 'name'>}. */
    String repr();
}
