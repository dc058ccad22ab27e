package dev.hearth.chat.template;

import java.util.List;

/**
 * Checks a parsed template the way Jinja's compiler does before it runs: an unknown filter or test is
 * an error at compile time, except inside an {@code if} statement or conditional expression (where
 * Jinja defers the error to the moment it is evaluated). Also bounds the depth of the syntax tree, so
 * that long operator or filter chains cannot overflow the stack when evaluated.
 */
final class Validator {
    /** Deepest syntax tree accepted; real templates stay far below (tens of levels). */
    static final int MAX_TREE_DEPTH = 300;

    private int depth;
    private int line;

    private Validator() {}

    static void validate(List<Stmt> body) {
        new Validator().statements(body, false);
    }

    private void enter() {
        if (++depth > MAX_TREE_DEPTH) {
            throw new TemplateSyntaxException("template nesting too deep (syntax tree deeper than " + MAX_TREE_DEPTH
                    + " levels)", line);
        }
    }

    private void statements(List<Stmt> body, boolean soft) {
        for (Stmt s : body) {
            statement(s, soft);
        }
    }

    private void statement(Stmt s, boolean soft) {
        enter();
        try {
            switch (s) {
                case Stmt.Text t -> { }
                case Stmt.Print p -> {
                    line = p.line();
                    expr(p.expr(), soft);
                }
                case Stmt.If i -> {
                    line = i.line();
                    for (int k = 0; k < i.tests().size(); k++) {
                        expr(i.tests().get(k), true);
                        statements(i.bodies().get(k), true);
                    }
                    statements(i.orElse(), true);
                }
                case Stmt.For f -> {
                    line = f.line();
                    expr(f.iterable(), soft);
                    if (f.filter() != null) {
                        expr(f.filter(), false);
                    }
                    statements(f.body(), false);
                    statements(f.orElse(), false);
                }
                case Stmt.Set st -> {
                    line = st.line();
                    expr(st.value(), soft);
                }
                case Stmt.SetBlock sb -> {
                    line = sb.line();
                    statements(sb.body(), false);
                    if (sb.filter() != null) {
                        expr(sb.filter(), false);
                    }
                }
                case Stmt.MacroDef m -> {
                    line = m.line();
                    macro(m.spec());
                }
                case Stmt.CallBlock c -> {
                    line = c.line();
                    expr(c.call(), soft);
                    macro(c.caller());
                }
                case Stmt.FilterBlock fb -> {
                    line = fb.line();
                    statements(fb.body(), false);
                    expr(fb.filter(), false);
                }
                case Stmt.With w -> {
                    line = w.line();
                    for (Expr v : w.values()) {
                        expr(v, soft);
                    }
                    statements(w.body(), false);
                }
                case Stmt.Scoped sc -> statements(sc.body(), false);
                case Stmt.Unsupported u -> { }
                case Stmt.Break b -> { }
                case Stmt.Continue c -> { }
            }
        } finally {
            depth--;
        }
    }

    private void macro(Stmt.MacroSpec spec) {
        for (Expr d : spec.defaults()) {
            if (d != null) {
                expr(d, false);
            }
        }
        statements(spec.body(), false);
    }

    private void args(Expr.Args a, boolean soft) {
        for (Expr e : a.positional()) {
            expr(e, soft);
        }
        for (Expr e : a.keywordValues()) {
            expr(e, soft);
        }
        if (a.star() != null) {
            expr(a.star(), soft);
        }
        if (a.starStar() != null) {
            expr(a.starStar(), soft);
        }
    }

    private void expr(Expr e, boolean soft) {
        if (e == null) {
            return;
        }
        enter();
        try {
            switch (e) {
                case Expr.Const c -> { }
                case Expr.Name n -> { }
                case Expr.GetAttr g -> expr(g.target(), soft);
                case Expr.GetItem g -> {
                    expr(g.target(), soft);
                    expr(g.key(), soft);
                }
                case Expr.Slice sl -> {
                    expr(sl.start(), soft);
                    expr(sl.stop(), soft);
                    expr(sl.step(), soft);
                }
                case Expr.ListLiteral l -> l.items().forEach(x -> expr(x, soft));
                case Expr.TupleLiteral t -> t.items().forEach(x -> expr(x, soft));
                case Expr.DictLiteral d -> {
                    d.keys().forEach(x -> expr(x, soft));
                    d.values().forEach(x -> expr(x, soft));
                }
                case Expr.Unary u -> expr(u.operand(), soft);
                case Expr.Not n -> expr(n.operand(), soft);
                case Expr.Binary b -> {
                    expr(b.left(), soft);
                    expr(b.right(), soft);
                }
                case Expr.And a -> {
                    expr(a.left(), soft);
                    expr(a.right(), soft);
                }
                case Expr.Or o -> {
                    expr(o.left(), soft);
                    expr(o.right(), soft);
                }
                case Expr.Compare c -> {
                    expr(c.first(), soft);
                    c.rest().forEach(x -> expr(x, soft));
                }
                case Expr.Concat c -> c.parts().forEach(x -> expr(x, soft));
                case Expr.Conditional c -> {
                    expr(c.test(), true);
                    expr(c.then(), true);
                    expr(c.otherwise(), true);
                }
                case Expr.Call c -> {
                    expr(c.callee(), soft);
                    args(c.args(), soft);
                }
                case Expr.Filter f -> {
                    if (f.filter() == null && !soft) {
                        throw new TemplateSyntaxException("No filter named '" + f.name() + "'.", line);
                    }
                    expr(f.target(), soft);
                    args(f.args(), soft);
                }
                case Expr.Test t -> {
                    if (t.test() == null && !soft) {
                        throw new TemplateSyntaxException("No test named '" + t.name() + "'.", line);
                    }
                    expr(t.target(), soft);
                    args(t.args(), soft);
                }
            }
        } finally {
            depth--;
        }
    }
}
