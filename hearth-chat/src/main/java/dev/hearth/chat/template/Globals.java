package dev.hearth.chat.template;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Global functions a chat template can call: Jinja's {@code range} (capped like the sandbox's
 * MAX_RANGE), {@code dict}, {@code namespace}, {@code cycler}, {@code joiner}, and the two Hugging Face
 * adds, {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class Globals {
    /** Jinja's sandbox refuses ranges longer than this (jinja2.sandbox.MAX_RANGE). */
    static final int MAX_RANGE = 100_000;

    private Globals() {}

    /** A named built-in function. */
    record Builtin(String name, Body body) implements PyCallable {
        interface Body {
            Object call(Interpreter in, List<Object> args, Map<String, Object> kwargs);
        }

        @Override
        public Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs) {
            return body.call(interpreter, args, kwargs);
        }

        @Override
        public String repr() {
            return "<built-in function " + name + ">";
        }
    }

    static void install(Scope scope) {
        scope.set("range", new Builtin("range", Globals::range));
        scope.set("dict", new Builtin("dict", Globals::dict));
        scope.set("namespace", new Builtin("namespace", Globals::namespace));
        scope.set("cycler", new Builtin("cycler", (in, args, kwargs) -> new Cycler(args)));
        scope.set("joiner", new Builtin("joiner", (in, args, kwargs) -> {
            Object[] a = new Signature("joiner", "sep", ", ").bind(args, kwargs);
            return new Joiner(in.str(a[0]));
        }));
        scope.set("raise_exception", new Builtin("raise_exception", (in, args, kwargs) -> {
            Object[] a = new Signature("raise_exception", "message", Signature.REQUIRED).bind(args, kwargs);
            throw new TemplateRaisedException(in.str(a[0]));
        }));
        scope.set("strftime_now", new Builtin("strftime_now", (in, args, kwargs) -> {
            Object[] a = new Signature("strftime_now", "format", Signature.REQUIRED).bind(args, kwargs);
            return Strftime.format(Signature.toStr("strftime_now", a[0], false), LocalDateTime.now(in.options.clock()));
        }));
    }

    private static Object range(Interpreter in, List<Object> args, Map<String, Object> kwargs) {
        if (!kwargs.isEmpty()) {
            throw new TemplateException("range() takes no keyword arguments");
        }
        if (args.isEmpty() || args.size() > 3) {
            throw new TemplateException("range expected 1 to 3 arguments, got " + args.size());
        }
        long[] v = new long[args.size()];
        for (int i = 0; i < v.length; i++) {
            Object a = args.get(i);
            if (!PyNumbers.isInt(a)) {
                if (a instanceof Undefined u) {
                    throw u.error();
                }
                throw new TemplateException("'" + PyObjects.typeName(a) + "' object cannot be interpreted as an integer");
            }
            v[i] = PyNumbers.fitsLong(a) ? PyNumbers.asLong(a)
                    : (PyNumbers.big(a).signum() > 0 ? Long.MAX_VALUE / 2 : Long.MIN_VALUE / 2);
        }
        long start = v.length == 1 ? 0 : v[0];
        long stop = v.length == 1 ? v[0] : v[1];
        long step = v.length == 3 ? v[2] : 1;
        if (step == 0) {
            throw new TemplateException("range() arg 3 must not be zero");
        }
        long count = step > 0 ? (stop > start ? (stop - start - 1) / step + 1 : 0)
                : (start > stop ? (start - stop - 1) / -step + 1 : 0);
        if (count > MAX_RANGE) {
            throw new TemplateLimitException("Range too big. The sandbox blocks ranges larger than MAX_RANGE ("
                    + MAX_RANGE + ").");
        }
        in.budget.charge(count);
        List<Object> items = new ArrayList<>((int) count);
        for (long k = 0, x = start; k < count; k++, x += step) {
            items.add(x);
        }
        return PyList.list(items);
    }

    private static Object dict(Interpreter in, List<Object> args, Map<String, Object> kwargs) {
        if (args.size() > 1) {
            throw new TemplateException("dict expected at most 1 argument, got " + args.size());
        }
        PyDict d = new PyDict();
        if (!args.isEmpty()) {
            fillFrom(in, d, args.get(0), "dict");
        }
        kwargs.forEach(d::put);
        return d;
    }

    /** Fills d from a mapping or an iterable of (key, value) pairs, as dict(x) does. */
    static void fillFrom(Interpreter in, PyDict d, Object source, String function) {
        if (source instanceof PyDict other) {
            for (Map.Entry<Object, Object> e : other.rawEntries()) {
                d.put(PyDict.entryKey(e), PyDict.entryValue(e));
            }
            return;
        }
        List<Object> items = in.iterate(source);
        for (int i = 0; i < items.size(); i++) {
            List<Object> pair = PyObjects.iterate(items.get(i));
            if (pair.size() != 2) {
                throw new TemplateException(function + " update sequence element #" + i + " has length " + pair.size()
                        + "; 2 is required");
            }
            d.put(pair.get(0), pair.get(1));
        }
    }

    private static Object namespace(Interpreter in, List<Object> args, Map<String, Object> kwargs) {
        Namespace ns = new Namespace();
        if (args.size() > 1) {
            throw new TemplateException("namespace expected at most 1 argument, got " + args.size());
        }
        if (!args.isEmpty()) {
            PyDict d = new PyDict();
            fillFrom(in, d, args.get(0), "namespace");
            for (Map.Entry<Object, Object> e : d.rawEntries()) {
                if (!(PyDict.entryKey(e) instanceof String key)) {
                    throw new TemplateException("namespace attribute names must be strings");
                }
                ns.attributes.put(key, PyDict.entryValue(e));
            }
        }
        ns.attributes.putAll(kwargs);
        return ns;
    }

    /** Jinja's cycler(*items): {@code next()}, {@code reset()}, {@code current}. */
    static final class Cycler {
        private final List<Object> items;
        private int position;

        Cycler(List<Object> items) {
            if (items.isEmpty()) {
                throw new TemplateException("at least one item has to be provided");
            }
            this.items = new ArrayList<>(items);
        }

        Object current() {
            return items.get(position);
        }

        Object next() {
            Object v = items.get(position);
            position = (position + 1) % items.size();
            return v;
        }

        Object reset() {
            position = 0;
            return null;
        }
    }

    /** Jinja's joiner(sep): returns "" on the first call and sep afterwards. */
    static final class Joiner implements PyCallable {
        private final String separator;
        private boolean used;

        Joiner(String separator) {
            this.separator = separator;
        }

        @Override
        public Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs) {
            if (!used) {
                used = true;
                return "";
            }
            return separator;
        }

        @Override
        public String repr() {
            return "<jinja2.utils.Joiner object>";
        }
    }
}
