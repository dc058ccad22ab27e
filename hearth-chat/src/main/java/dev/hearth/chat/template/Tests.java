package dev.hearth.chat.template;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Jinja's built-in tests ({@code x is defined}, {@code x is string}, ...), with Python's type checks. */
final class Tests {
    @FunctionalInterface
    interface Test {
        boolean test(Interpreter in, Object value, List<Object> args, Map<String, Object> kwargs);
    }

    private static final Map<String, Test> TESTS = new HashMap<>();

    private Tests() {}

    static Test lookup(String name) {
        return TESTS.get(name);
    }

    private static void simple(String name, java.util.function.Predicate<Object> p) {
        Signature sig = new Signature(name);
        TESTS.put(name, (in, v, args, kwargs) -> {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                sig.bind(args, kwargs);
            }
            return p.test(v);
        });
    }

    private static final Signature OTHER = new Signature("test", "other", Signature.REQUIRED);

    private static Object other(String name, List<Object> args, Map<String, Object> kwargs) {
        if (args.size() == 1 && kwargs.isEmpty()) {
            return args.get(0);
        }
        return OTHER.bind(args, kwargs)[0];
    }

    static {
        simple("defined", v -> !(v instanceof Undefined));
        simple("undefined", v -> v instanceof Undefined);
        simple("none", v -> v == null);
        simple("boolean", v -> v instanceof Boolean);
        simple("false", v -> Boolean.FALSE.equals(v));
        simple("true", v -> Boolean.TRUE.equals(v));
        simple("integer", v -> v instanceof Long || v instanceof java.math.BigInteger);
        simple("float", v -> v instanceof Double);
        simple("number", PyNumbers::isNumber);
        simple("string", PyObjects::isString);
        simple("mapping", v -> v instanceof PyDict);
        simple("iterable", PyObjects::isIterable);
        // Python's Sequence check in Jinja: has __len__ and __getitem__ (dicts and strings count).
        simple("sequence", v -> v instanceof String || v instanceof Markup || v instanceof PyDict || v instanceof Undefined
                || v instanceof PyList l && l.isSubscriptable());
        simple("callable", v -> v instanceof PyCallable || v instanceof Undefined);
        simple("escaped", v -> v instanceof Markup);
        simple("lower", v -> v instanceof String s ? PyStrings.isLower(s) : v instanceof Markup m && PyStrings.isLower(m.text()));
        simple("upper", v -> v instanceof String s ? PyStrings.isUpper(s) : v instanceof Markup m && PyStrings.isUpper(m.text()));
        TESTS.put("odd", (in, v, args, kwargs) -> {
            new Signature("odd").bind(args, kwargs);
            return PyNumbers.isZero(PyNumbers.isNumber(v) ? PyNumbers.mod(v, 2L) : in.binary("%", v, 2L)) == false;
        });
        TESTS.put("even", (in, v, args, kwargs) -> {
            new Signature("even").bind(args, kwargs);
            return PyNumbers.isZero(PyNumbers.isNumber(v) ? PyNumbers.mod(v, 2L) : in.binary("%", v, 2L));
        });
        TESTS.put("divisibleby", (in, v, args, kwargs) -> {
            Object num = new Signature("divisibleby", "num", Signature.REQUIRED).bind(args, kwargs)[0];
            return PyNumbers.isZero(in.binary("%", v, num));
        });
        Test eq = (in, v, args, kwargs) -> PyObjects.equal(v, other("eq", args, kwargs), in.budget);
        TESTS.put("eq", eq);
        TESTS.put("equalto", eq);
        TESTS.put("==", eq);
        Test ne = (in, v, args, kwargs) -> !PyObjects.equal(v, other("ne", args, kwargs), in.budget);
        TESTS.put("ne", ne);
        TESTS.put("!=", ne);
        Test lt = (in, v, args, kwargs) -> PyObjects.compare(v, other("lt", args, kwargs), "<", in.budget) < 0;
        TESTS.put("lt", lt);
        TESTS.put("lessthan", lt);
        TESTS.put("<", lt);
        Test le = (in, v, args, kwargs) -> PyObjects.compare(v, other("le", args, kwargs), "<=", in.budget) <= 0;
        TESTS.put("le", le);
        TESTS.put("<=", le);
        Test gt = (in, v, args, kwargs) -> PyObjects.compare(v, other("gt", args, kwargs), ">", in.budget) > 0;
        TESTS.put("gt", gt);
        TESTS.put("greaterthan", gt);
        TESTS.put(">", gt);
        Test ge = (in, v, args, kwargs) -> PyObjects.compare(v, other("ge", args, kwargs), ">=", in.budget) >= 0;
        TESTS.put("ge", ge);
        TESTS.put(">=", ge);
        TESTS.put("in", (in, v, args, kwargs) -> PyObjects.contains(
                new Signature("in", "seq", Signature.REQUIRED).bind(args, kwargs)[0], v, in.budget));
        TESTS.put("sameas", (in, v, args, kwargs) -> {
            Object o = other("sameas", args, kwargs);
            // Python identity: None, True and False are singletons; other values compare by object identity.
            if (v == null || o == null || v instanceof Boolean || o instanceof Boolean) {
                return v == null ? o == null : v.equals(o);
            }
            return v == o;
        });
        TESTS.put("filter", (in, v, args, kwargs) -> {
            new Signature("filter").bind(args, kwargs);
            return v instanceof String s && Filters.lookup(s) != null;
        });
        TESTS.put("test", (in, v, args, kwargs) -> {
            new Signature("test").bind(args, kwargs);
            return v instanceof String s && TESTS.containsKey(s);
        });
    }
}
