package dev.hearth.chat.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Python object protocol over the engine's closed set of value types: type names, truthiness,
 * {@code str()}, {@code repr()}, {@code ==}, ordering, {@code in}, {@code len()} and iteration.
 * Recursive operations go through the {@link Budget} so that deeply nested values cannot overflow
 * the stack and huge ones cannot exhaust memory.
 */
final class PyObjects {
    private PyObjects() {}

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case String s -> "str";
            case Markup m -> "Markup";
            case PyList l -> l.typeName();
            case PyDict d -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case PyGenerator g -> "generator";
            case LoopContext l -> "LoopContext";
            case Macro m -> "Macro";
            case BoundMethod b -> "builtin_function_or_method";
            default -> "function";
        };
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case BigInteger b -> b.signum() != 0;
            case String s -> !s.isEmpty();
            case Markup m -> !m.text().isEmpty();
            case PyList l -> l.size() > 0;
            case PyDict d -> !d.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    static boolean isString(Object v) {
        return v instanceof String || v instanceof Markup;
    }

    /** The text of a str or Markup; null for anything else. */
    static String text(Object v) {
        return v instanceof String s ? s : v instanceof Markup m ? m.text() : null;
    }

    // ---- str / repr ------------------------------------------------------------------------

    /** Python str(v), which is what {@code {{ v }}} prints (Undefined prints nothing). */
    static String str(Object v, Budget budget) {
        return switch (v) {
            case String s -> s;
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case Long l -> Long.toString(l);
            case Double d -> PyNumbers.floatRepr(d);
            case BigInteger b -> b.toString();
            case Markup m -> m.text();
            case Undefined u -> "";
            default -> repr(v, budget);
        };
    }

    static String repr(Object v, Budget budget) {
        StringBuilder sb = new StringBuilder();
        appendRepr(sb, v, budget);
        return sb.toString();
    }

    /** repr of a value for error messages: short and never failing. */
    static String reprForMessage(Object v) {
        try {
            String r = repr(v, new Budget(RenderOptions.defaults().withMaxSteps(10_000).withMaxDepth(20)));
            return r.length() > 200 ? r.substring(0, 200) + "..." : r;
        } catch (TemplateException e) {
            return "<" + typeName(v) + ">";
        }
    }

    private static void appendRepr(StringBuilder sb, Object v, Budget budget) {
        budget.step();
        budget.checkSize(sb.length());
        switch (v) {
            case String s -> sb.append(PyStrings.repr(s));
            case Markup m -> sb.append("Markup(").append(PyStrings.repr(m.text())).append(')');
            case Undefined u -> sb.append("Undefined");
            case PyList l -> {
                budget.enter();
                try {
                    String open = switch (l.kind) {
                        case LIST -> "[";
                        case TUPLE, GROUP -> "(";
                        default -> l.typeName() + "([";
                    };
                    sb.append(open);
                    for (int i = 0; i < l.size(); i++) {
                        if (i > 0) {
                            sb.append(", ");
                        }
                        appendRepr(sb, l.get(i), budget);
                    }
                    switch (l.kind) {
                        case LIST -> sb.append(']');
                        case TUPLE, GROUP -> sb.append(l.size() == 1 ? ",)" : ")");
                        default -> sb.append("])");
                    }
                } finally {
                    budget.exit();
                }
            }
            case PyDict d -> {
                budget.enter();
                try {
                    sb.append('{');
                    boolean first = true;
                    for (Map.Entry<Object, Object> e : d.rawEntries()) {
                        if (!first) {
                            sb.append(", ");
                        }
                        first = false;
                        appendRepr(sb, PyDict.entryKey(e), budget);
                        sb.append(": ");
                        appendRepr(sb, PyDict.entryValue(e), budget);
                    }
                    sb.append('}');
                } finally {
                    budget.exit();
                }
            }
            case Namespace ns -> {
                budget.enter();
                try {
                    sb.append("<Namespace {");
                    boolean first = true;
                    for (Map.Entry<String, Object> e : ns.attributes.entrySet()) {
                        if (!first) {
                            sb.append(", ");
                        }
                        first = false;
                        sb.append(PyStrings.repr(e.getKey())).append(": ");
                        appendRepr(sb, e.getValue(), budget);
                    }
                    sb.append("}>");
                } finally {
                    budget.exit();
                }
            }
            case PyGenerator g -> sb.append("<").append(g.description()).append(">");
            case PyCallable c -> sb.append(c.repr());
            case null, default -> sb.append(str(v, budget));
        }
    }

    // ---- equality and ordering ------------------------------------------------------------

    /** Python {@code a == b}. */
    static boolean equal(Object a, Object b, Budget budget) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (PyNumbers.isNumber(a) && PyNumbers.isNumber(b)) {
            return PyNumbers.numEquals(a, b);
        }
        String sa = text(a);
        if (sa != null) {
            String sb = text(b);
            return sb != null && sa.equals(sb);
        }
        if (a instanceof Undefined) {
            return b instanceof Undefined;
        }
        if (a instanceof PyList la && b instanceof PyList lb) {
            if (la.isTuple() != lb.isTuple() || la.kind != lb.kind && !(la.isTuple() && lb.isTuple())
                    || la.size() != lb.size()) {
                return false;
            }
            budget.enter();
            try {
                for (int i = 0; i < la.size(); i++) {
                    budget.step();
                    if (!equal(la.get(i), lb.get(i), budget)) {
                        return false;
                    }
                }
                return true;
            } finally {
                budget.exit();
            }
        }
        if (a instanceof PyDict da && b instanceof PyDict db) {
            if (da.size() != db.size()) {
                return false;
            }
            budget.enter();
            try {
                Object missing = new Object();
                for (Map.Entry<Object, Object> e : da.rawEntries()) {
                    budget.step();
                    Object other = db.get(PyDict.entryKey(e), missing);
                    if (other == missing || !equal(PyDict.entryValue(e), other, budget)) {
                        return false;
                    }
                }
                return true;
            } finally {
                budget.exit();
            }
        }
        if (a instanceof Macro || a instanceof BoundMethod) {
            return a.equals(b);
        }
        return false;
    }

    /** Python ordering ({@code <} etc.): returns negative, zero or positive, or raises TypeError. */
    static int compare(Object a, Object b, String op, Budget budget) {
        if (PyNumbers.isNumber(a) && PyNumbers.isNumber(b)) {
            int c = PyNumbers.compare(a, b);
            if (c == 2) {
                return op.startsWith("<") ? 1 : -1;
            }
            return c;
        }
        String sa = text(a);
        String sb = text(b);
        if (sa != null && sb != null) {
            return PyStrings.compare(sa, sb);
        }
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (a instanceof PyList la && b instanceof PyList lb && la.isSubscriptable() && lb.isSubscriptable()
                && la.isTuple() == lb.isTuple()) {
            budget.enter();
            try {
                int n = Math.min(la.size(), lb.size());
                for (int i = 0; i < n; i++) {
                    budget.step();
                    if (!equal(la.get(i), lb.get(i), budget)) {
                        return compare(la.get(i), lb.get(i), op, budget);
                    }
                }
                return Integer.compare(la.size(), lb.size());
            } finally {
                budget.exit();
            }
        }
        throw new TemplateException("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    /** Python {@code item in container}. */
    static boolean contains(Object container, Object item, Budget budget) {
        switch (container) {
            case String s -> {
                return PyStrings.contains(s, requireStringOperand(item));
            }
            case Markup m -> {
                return PyStrings.contains(m.text(), requireStringOperand(item));
            }
            case PyDict d -> {
                return d.containsKey(item);
            }
            case PyList l -> {
                if (l.kind == PyList.Kind.DICT_KEYS) {
                    PyDict.hashKey(item);
                }
                for (Object o : l.items) {
                    budget.step();
                    if (equal(o, item, budget)) {
                        return true;
                    }
                }
                return false;
            }
            case Undefined u -> {
                return false;
            }
            case PyGenerator g -> {
                for (Object o : g.drain()) {
                    budget.step();
                    if (equal(o, item, budget)) {
                        return true;
                    }
                }
                return false;
            }
            case null, default -> throw new TemplateException("argument of type '" + typeName(container) + "' is not iterable");
        }
    }

    private static String requireStringOperand(Object item) {
        String s = text(item);
        if (s == null) {
            throw new TemplateException("'in <string>' requires string as left operand, not " + typeName(item));
        }
        return s;
    }

    /** Python len(v). */
    static int length(Object v) {
        return switch (v) {
            case String s -> PyStrings.length(s);
            case Markup m -> PyStrings.length(m.text());
            case PyList l -> l.size();
            case PyDict d -> d.size();
            case Undefined u -> 0;
            case Namespace n -> throw new TemplateException("object of type 'Namespace' has no len()");
            case null, default -> throw new TemplateException("object of type '" + typeName(v) + "' has no len()");
        };
    }

    /** Python iter(v) materialized: the items a for loop visits. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case PyList l -> l.items;
            case PyDict d -> d.keys();
            case String s -> new ArrayList<>(PyStrings.chars(s));
            case Markup m -> new ArrayList<>(PyStrings.chars(m.text()));
            case Undefined u -> List.of();
            case PyGenerator g -> g.drain();
            case LoopContext l -> throw new TemplateException("iterating a loop object is not supported");
            case null, default -> throw new TemplateException("'" + typeName(v) + "' object is not iterable");
        };
    }

    static boolean isIterable(Object v) {
        return v instanceof PyList || v instanceof PyDict || v instanceof String || v instanceof Markup
                || v instanceof Undefined || v instanceof PyGenerator || v instanceof LoopContext;
    }
}
