package dev.hearth.chat.template;

import java.util.List;

/** Expression nodes of a parsed template (Jinja's {@code nodes.Expr} subset). */
sealed interface Expr {

    record Const(Object value) implements Expr {}

    record Name(String name) implements Expr {}

    /** {@code target.name}: attribute first, then item. */
    record GetAttr(Expr target, String name) implements Expr {}

    /** {@code target[key]}: item first, then attribute. */
    record GetItem(Expr target, Expr key) implements Expr {}

    /** {@code start:stop:step} inside a subscript; parts may be null. */
    record Slice(Expr start, Expr stop, Expr step) implements Expr {}

    record ListLiteral(List<Expr> items) implements Expr {}

    record TupleLiteral(List<Expr> items) implements Expr {}

    record DictLiteral(List<Expr> keys, List<Expr> values) implements Expr {}

    /** Unary {@code -} or {@code +}. */
    record Unary(char op, Expr operand) implements Expr {}

    record Not(Expr operand) implements Expr {}

    /** {@code + - * / // % **}. */
    record Binary(String op, Expr left, Expr right) implements Expr {}

    record And(Expr left, Expr right) implements Expr {}

    record Or(Expr left, Expr right) implements Expr {}

    /** A comparison chain {@code first op1 rest1 op2 rest2 ...}; ops are == != < <= > >= in notin. */
    record Compare(Expr first, List<String> ops, List<Expr> rest) implements Expr {}

    /** {@code a ~ b ~ c}. */
    record Concat(List<Expr> parts) implements Expr {}

    /** {@code then if test else otherwise}; otherwise may be null (then the result is undefined). */
    record Conditional(Expr test, Expr then, Expr otherwise) implements Expr {}

    record Call(Expr callee, Args args) implements Expr {}

    /**
     * {@code target | name(args)}. The target is null for the filter of a filter block or block set,
     * whose input is the rendered body. {@code filter} is null when no such filter exists: the error
     * comes when the expression is evaluated (only allowed where Jinja allows it, see Validator).
     */
    record Filter(Expr target, String name, Filters.Filter filter, Args args) implements Expr {}

    /** {@code target is [not] name(args)}; {@code test} null when unknown, as for filters. */
    record Test(Expr target, String name, Tests.Test test, Args args, boolean negated) implements Expr {}

    /** Call arguments: positional, keyword, {@code *args} and {@code **kwargs} (the last two may be null). */
    record Args(List<Expr> positional, List<String> names, List<Expr> keywordValues, Expr star, Expr starStar) {
        static final Args NONE = new Args(List.of(), List.of(), List.of(), null, null);

        boolean isEmpty() {
            return positional.isEmpty() && names.isEmpty() && star == null && starStar == null;
        }
    }
}
