package dev.hearth.chat.template;

import java.util.List;

/** Statement nodes of a parsed template. {@code line} is the 1-based source line, for error messages. */
sealed interface Stmt {

    record Text(String text) implements Stmt {}

    record Print(Expr expr, int line) implements Stmt {}

    /** if / elif... / else: {@code tests.get(i)} guards {@code bodies.get(i)}. */
    record If(List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> orElse, int line) implements Stmt {}

    record For(Target target, Expr iterable, Expr filter, boolean recursive, List<Stmt> body, List<Stmt> orElse,
               int line) implements Stmt {}

    record Set(Target target, Expr value, int line) implements Stmt {}

    /** {@code {% set x | filters %}body{% endset %}}; filter is null or a Filter chain ending in a null target. */
    record SetBlock(Target target, Expr filter, List<Stmt> body, int line) implements Stmt {}

    record MacroDef(MacroSpec spec, int line) implements Stmt {}

    /** {@code {% call(params) macro(args) %}body{% endcall %}}: body becomes {@code caller}. */
    record CallBlock(Expr.Call call, MacroSpec caller, int line) implements Stmt {}

    record FilterBlock(Expr filter, List<Stmt> body, int line) implements Stmt {}

    record With(List<Target> targets, List<Expr> values, List<Stmt> body, int line) implements Stmt {}

    /** A body rendered in place in its own scope: {@code {% generation %}} and {@code {% block %}}. */
    record Scoped(List<Stmt> body, int line) implements Stmt {}

    /** A statement that parses but cannot run here (include, import, extends: there is no template loader). */
    record Unsupported(String message, int line) implements Stmt {}

    record Break(int line) implements Stmt {}

    record Continue(int line) implements Stmt {}

    /** What a macro or a call block's caller needs: parameters with optional defaults and the body. */
    record MacroSpec(String name, List<String> params, List<Expr> defaults, List<Stmt> body, boolean catchVarargs,
                     boolean catchKwargs, boolean usesCaller) {}

    /** Assignment targets. */
    sealed interface Target {
        record Name(String name) implements Target {}

        record Tuple(List<Target> items) implements Target {}

        /** {@code ns.attr} where ns must be a namespace. */
        record NamespaceAttr(String namespace, String attr) implements Target {}
    }
}
