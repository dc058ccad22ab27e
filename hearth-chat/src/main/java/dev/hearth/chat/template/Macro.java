package dev.hearth.chat.template;

import java.util.List;
import java.util.Map;

/** A macro (or the {@code caller} of a call block), closed over the scope it was defined in. */
final class Macro implements PyCallable {
    final Stmt.MacroSpec spec;
    final Scope closure;

    Macro(Stmt.MacroSpec spec, Scope closure) {
        this.spec = spec;
        this.closure = closure;
    }

    @Override
    public Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs) {
        return interpreter.callMacro(this, args, kwargs);
    }

    @Override
    public String repr() {
        return "<Macro '" + spec.name() + "'>";
    }
}
