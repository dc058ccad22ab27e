package dev.hearth.chat.template;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja's built-in filters with their Jinja 3.1 semantics (autoescape off), plus Hugging Face's
 * {@code tojson}. Lazy filters ({@code map}, {@code select}, {@code reverse}, {@code unique}, ...)
 * return generators, as in Jinja, so that e.g. {@code x|select|length} fails the same way.
 */
final class Filters {
    @FunctionalInterface
    interface Filter {
        Object apply(Interpreter in, Object value, List<Object> args, Map<String, Object> kwargs);
    }

    private static final Map<String, Filter> FILTERS = new HashMap<>();

    private Filters() {}

    static Filter lookup(String name) {
        return FILTERS.get(name);
    }

    /** A filter whose parameters after the value are given by name and default. */
    private static void define(String name, Object[] params, Body body) {
        Signature sig = new Signature(name, params);
        FILTERS.put(name, (in, value, args, kwargs) -> body.apply(in, value, sig.bind(args, kwargs)));
    }

    @FunctionalInterface
    private interface Body {
        Object apply(Interpreter in, Object value, Object[] a);
    }

    private static Object[] p(Object... namesAndDefaults) {
        return namesAndDefaults;
    }

    private static final Object R = Signature.REQUIRED;

    /** Jinja's soft_str: Markup stays Markup text, anything else goes through str(). */
    private static String softStr(Interpreter in, Object v) {
        return v instanceof Markup m ? m.text() : in.str(v);
    }

    private static Object sameKind(Object original, String result) {
        return original instanceof Markup ? new Markup(result) : result;
    }

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]+");
    private static final Pattern ATTR_KEY = Pattern.compile("[\\s/>=]");
    private static final Pattern TITLE_SPLIT = Pattern.compile("[-\\s({\\[<\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u001c-\u001f]+");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);");

    static {
        define("abs", p(), (in, v, a) -> {
            if (v instanceof Undefined u) {
                throw u.error();
            }
            if (!PyNumbers.isNumber(v)) {
                throw new TemplateException("bad operand type for abs(): '" + PyObjects.typeName(v) + "'");
            }
            return PyNumbers.abs(v);
        });
        define("attr", p("name", R), (in, v, a) -> {
            if (v instanceof Undefined u) {
                throw u.error();
            }
            Object attr = Methods.attribute(v, in.str(a[0]));
            return attr == Scope.MISSING ? Undefined.attribute(v, in.str(a[0])) : attr;
        });
        define("batch", p("linecount", R, "fill_with", null), (in, v, a) -> {
            long count = Signature.toLong("batch", a[0]);
            List<Object> out = new ArrayList<>();
            List<Object> tmp = new ArrayList<>();
            for (Object item : in.iterate(v)) {
                if (tmp.size() == count) {
                    in.budget.step();
                    out.add(PyList.list(tmp));
                    tmp = new ArrayList<>();
                }
                tmp.add(item);
            }
            if (!tmp.isEmpty()) {
                if (a[1] != null && tmp.size() < count) {
                    in.budget.allocate(count);
                    while (tmp.size() < count) {
                        tmp.add(a[1]);
                    }
                }
                out.add(PyList.list(tmp));
            }
            return new PyGenerator(out, "generator object do_batch");
        });
        define("capitalize", p(), (in, v, a) -> sameKind(v, PyStrings.capitalize(softStr(in, v))));
        define("center", p("width", 80L), (in, v, a) ->
                sameKind(v, Methods.pad(softStr(in, v), Signature.toLong("center", a[0]), " ", "center", in.budget)));
        Filter length = (in, v, args, kwargs) -> {
            new Signature("length").bind(args, kwargs);
            if (v instanceof Undefined) {
                return 0L;
            }
            return (long) PyObjects.length(v);
        };
        FILTERS.put("length", length);
        FILTERS.put("count", length);
        Filter dflt = (in, v, args, kwargs) -> {
            Object[] a = new Signature("default", "default_value", "", "boolean", false).bind(args, kwargs);
            return v instanceof Undefined || (PyObjects.truthy(a[1]) && !PyObjects.truthy(v)) ? a[0] : v;
        };
        FILTERS.put("default", dflt);
        FILTERS.put("d", dflt);
        define("dictsort", p("case_sensitive", false, "by", "key", "reverse", false), (in, v, a) -> {
            if (!(v instanceof PyDict d)) {
                if (v instanceof Undefined u) {
                    throw u.error();
                }
                throw new TemplateException("'" + PyObjects.typeName(v) + "' object has no attribute 'items'");
            }
            String by = in.str(a[1]);
            int pos = switch (by) {
                case "key" -> 0;
                case "value" -> 1;
                default -> throw new TemplateException("You can only sort by either \"key\" or \"value\"");
            };
            boolean caseSensitive = PyObjects.truthy(a[0]);
            List<Object> items = new ArrayList<>(d.items());
            sort(in, items, item -> {
                Object k = ((PyList) item).get(pos);
                return caseSensitive ? k : ignoreCase(k);
            }, PyObjects.truthy(a[2]));
            return PyList.list(items);
        });
        Filter escape = (in, v, args, kwargs) -> {
            new Signature("escape").bind(args, kwargs);
            return v instanceof Markup ? v : new Markup(PyStrings.escapeHtml(in.str(v)));
        };
        FILTERS.put("escape", escape);
        FILTERS.put("e", escape);
        define("forceescape", p(), (in, v, a) -> new Markup(PyStrings.escapeHtml(softStr(in, v))));
        define("filesizeformat", p("binary", false), (in, v, a) -> filesize(in, v, PyObjects.truthy(a[0])));
        define("first", p(), (in, v, a) -> {
            List<Object> items = firstItems(in, v);
            return items.isEmpty() ? Undefined.hint("No first item, sequence was empty.") : items.get(0);
        });
        define("last", p(), (in, v, a) -> {
            if (v instanceof PyGenerator) {
                throw new TemplateException("'generator' object is not reversible");
            }
            List<Object> items = PyObjects.iterate(v);
            return items.isEmpty() ? Undefined.hint("No last item, sequence was empty.") : items.get(items.size() - 1);
        });
        define("float", p("default", 0.0), (in, v, a) -> {
            Object f = toFloat(v);
            return f == null ? a[0] : f;
        });
        FILTERS.put("format", (in, v, args, kwargs) -> {
            if (!args.isEmpty() && !kwargs.isEmpty()) {
                throw new TemplateException("can't handle positional and keyword arguments at the same time");
            }
            Object operand;
            if (!kwargs.isEmpty()) {
                PyDict d = new PyDict();
                kwargs.forEach(d::put);
                operand = d;
            } else {
                operand = PyList.tuple(new ArrayList<>(args));
            }
            return v instanceof Markup m ? new Markup(PyFormat.percent(in, m.text(), operand, true))
                    : PyFormat.percent(in, in.str(v), operand, false);
        });
        define("groupby", p("attribute", R, "default", null, "case_sensitive", false), (in, v, a) -> {
            boolean caseSensitive = PyObjects.truthy(a[2]);
            Function<Object, Object> key = attrGetter(in, a[0], a[1], !caseSensitive);
            List<Object> items = new ArrayList<>(in.iterate(v));
            sort(in, items, key, false);
            List<Object> groups = new ArrayList<>();
            Function<Object, Object> outputKey = attrGetter(in, a[0], a[1], false);
            int i = 0;
            while (i < items.size()) {
                Object k = key.apply(items.get(i));
                List<Object> members = new ArrayList<>();
                int j = i;
                while (j < items.size() && PyObjects.equal(key.apply(items.get(j)), k, in.budget)) {
                    members.add(items.get(j));
                    j++;
                }
                Object grouper = caseSensitive ? k : outputKey.apply(members.get(0));
                groups.add(new PyList(Arrays.asList(grouper, PyList.list(members)), PyList.Kind.GROUP));
                i = j;
            }
            return PyList.list(groups);
        });
        define("indent", p("width", 4L, "first", false, "blank", false), (in, v, a) -> indent(in, v, a));
        define("int", p("default", 0L, "base", 10L), (in, v, a) -> {
            Object r = toInt(v, Signature.toLong("int", a[1]));
            return r == null ? a[0] : r;
        });
        define("items", p(), (in, v, a) -> {
            if (v instanceof Undefined) {
                return new PyGenerator(List.of(), "generator object do_items");
            }
            if (!(v instanceof PyDict d)) {
                throw new TemplateException("Can only get item pairs from a mapping.");
            }
            in.budget.charge(d.size());
            return new PyGenerator(d.items(), "generator object do_items");
        });
        define("join", p("d", "", "attribute", null), (in, v, a) -> {
            List<Object> items = in.iterate(v);
            if (a[1] != null) {
                Function<Object, Object> getter = attrGetter(in, a[1], null, false);
                List<Object> mapped = new ArrayList<>(items.size());
                for (Object o : items) {
                    mapped.add(getter.apply(o));
                }
                items = mapped;
            }
            String sep = in.str(a[0]);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    sb.append(sep);
                }
                sb.append(in.str(items.get(i)));
                in.budget.checkSize(sb.length());
            }
            in.budget.chargeCopy(sb.length());
            return sb.toString();
        });
        define("list", p(), (in, v, a) -> PyList.list(new ArrayList<>(in.iterate(v))));
        define("lower", p(), (in, v, a) -> sameKind(v, PyStrings.lower(softStr(in, v))));
        define("upper", p(), (in, v, a) -> sameKind(v, PyStrings.upper(softStr(in, v))));
        FILTERS.put("map", Filters::map);
        define("max", p("case_sensitive", false, "attribute", null), (in, v, a) -> minOrMax(in, v, a, true));
        define("min", p("case_sensitive", false, "attribute", null), (in, v, a) -> minOrMax(in, v, a, false));
        define("pprint", p(), (in, v, a) -> in.repr(v));
        define("random", p(), (in, v, a) -> {
            List<Object> items = PyObjects.iterate(v);
            if (items.isEmpty()) {
                throw new TemplateException("Cannot choose from an empty sequence");
            }
            return items.get(ThreadLocalRandom.current().nextInt(items.size()));
        });
        FILTERS.put("select", (in, v, args, kwargs) -> selectOrReject(in, v, args, kwargs, false, true, "select"));
        FILTERS.put("reject", (in, v, args, kwargs) -> selectOrReject(in, v, args, kwargs, false, false, "reject"));
        FILTERS.put("selectattr", (in, v, args, kwargs) -> selectOrReject(in, v, args, kwargs, true, true, "selectattr"));
        FILTERS.put("rejectattr", (in, v, args, kwargs) -> selectOrReject(in, v, args, kwargs, true, false, "rejectattr"));
        define("replace", p("old", R, "new", R, "count", null), (in, v, a) -> PyStrings.replace(in.str(v), in.str(a[0]),
                in.str(a[1]), a[2] == null ? -1 : Signature.toLong("replace", a[2]), in.budget));
        define("reverse", p(), (in, v, a) -> {
            String s = PyObjects.text(v);
            if (s != null) {
                return sameKind(v, PyStrings.slice(s, PyStrings.length(s) - 1, -1, PyStrings.length(s)));
            }
            if (v instanceof PyGenerator g) {
                List<Object> items = new ArrayList<>(g.drain());
                java.util.Collections.reverse(items);
                return PyList.list(items);
            }
            if (!(v instanceof PyList || v instanceof PyDict || v instanceof Undefined)) {
                throw new TemplateException("argument must be iterable");
            }
            List<Object> items = new ArrayList<>(in.iterate(v));
            java.util.Collections.reverse(items);
            return new PyGenerator(items, "list_reverseiterator object");
        });
        define("round", p("precision", 0L, "method", "common"), (in, v, a) -> round(in, v, a));
        define("safe", p(), (in, v, a) -> v instanceof Markup ? v : new Markup(in.str(v)));
        define("slice", p("slices", R, "fill_with", null), (in, v, a) -> {
            List<Object> seq = in.iterate(v);
            long slices = Signature.toLong("slice", a[0]);
            if (slices <= 0) {
                throw new TemplateException("integer division or modulo by zero");
            }
            in.budget.allocate(slices);
            in.budget.charge(slices);
            int n = seq.size();
            long per = n / slices;
            long extra = n % slices;
            long offset = 0;
            List<Object> out = new ArrayList<>();
            for (long k = 0; k < slices; k++) {
                long start = offset + k * per;
                if (k < extra) {
                    offset++;
                }
                long end = offset + (k + 1) * per;
                List<Object> tmp = new ArrayList<>(seq.subList((int) Math.min(start, n), (int) Math.min(end, n)));
                if (a[1] != null && k >= extra) {
                    tmp.add(a[1]);
                }
                out.add(PyList.list(tmp));
            }
            return new PyGenerator(out, "generator object sync_do_slice");
        });
        define("sort", p("reverse", false, "case_sensitive", false, "attribute", null), (in, v, a) -> {
            List<Object> items = new ArrayList<>(in.iterate(v));
            sort(in, items, multiAttrGetter(in, a[2], !PyObjects.truthy(a[1])), PyObjects.truthy(a[0]));
            return PyList.list(items);
        });
        define("string", p(), (in, v, a) -> v instanceof Markup ? v : in.str(v));
        define("striptags", p(), (in, v, a) -> striptags(in.str(v)));
        define("sum", p("attribute", null, "start", 0L), (in, v, a) -> {
            Object total = a[1];
            Function<Object, Object> getter = a[0] == null ? null : attrGetter(in, a[0], null, false);
            if (PyObjects.isString(total)) {
                throw new TemplateException("sum() can't sum strings [use ''.join(seq) instead]");
            }
            for (Object item : in.iterate(v)) {
                total = in.binary("+", total, getter == null ? item : getter.apply(item));
            }
            return total;
        });
        define("title", p(), (in, v, a) -> sameKind(v, jinjaTitle(softStr(in, v))));
        define("tojson", p("ensure_ascii", false, "indent", null, "separators", null, "sort_keys", false), (in, v, a) ->
                JsonDumps.dumps(in, v, PyObjects.truthy(a[0]), a[1], a[2], PyObjects.truthy(a[3])));
        define("trim", p("chars", null), (in, v, a) ->
                sameKind(v, PyStrings.strip(softStr(in, v), Signature.toStr("trim", a[0], true))));
        define("truncate", p("length", 255L, "killwords", false, "end", "...", "leeway", null), (in, v, a) -> {
            String s = PyObjects.text(v);
            long len = Signature.toLong("truncate", a[0]);
            if (s == null) {
                // Jinja does not convert the value: len() of it decides, and only a str can be cut.
                if (PyObjects.length(v) <= len + (a[3] == null ? 5 : Signature.toLong("truncate", a[3]))) {
                    return v;
                }
                throw new TemplateException("truncate: cannot cut a " + PyObjects.typeName(v));
            }
            String end = in.str(a[2]);
            long leeway = a[3] == null ? 5 : Signature.toLong("truncate", a[3]);
            int endLen = PyStrings.length(end);
            if (len < endLen) {
                throw new TemplateException("expected length >= " + endLen + ", got " + len);
            }
            if (leeway < 0) {
                throw new TemplateException("expected leeway >= 0, got " + leeway);
            }
            int n = PyStrings.length(s);
            if (n <= len + leeway) {
                return v;
            }
            String head = s.substring(0, PyStrings.offsetOf(s, (int) Math.min(n, len - endLen)));
            if (PyObjects.truthy(a[1])) {
                return head + end;
            }
            int space = head.lastIndexOf(' ');
            return (space < 0 ? head : head.substring(0, space)) + end;
        });
        define("unique", p("case_sensitive", false, "attribute", null), (in, v, a) -> {
            Function<Object, Object> key = attrGetter(in, a[1], null, !PyObjects.truthy(a[0]));
            Set<Object> seen = new HashSet<>();
            List<Object> out = new ArrayList<>();
            for (Object item : in.iterate(v)) {
                if (seen.add(PyDict.hashKey(key.apply(item)))) {
                    out.add(item);
                }
            }
            return new PyGenerator(out, "generator object sync_do_unique");
        });
        define("urlencode", p(), (in, v, a) -> urlencode(in, v));
        define("wordcount", p(), (in, v, a) -> {
            Matcher m = WORD.matcher(softStr(in, v));
            long c = 0;
            while (m.find()) {
                c++;
            }
            return c;
        });
        define("wordwrap", p("width", 79L, "break_long_words", true, "wrapstring", null, "break_on_hyphens", true),
                (in, v, a) -> {
                    String s = softStr(in, v);
                    int width = Signature.toInt("wordwrap", a[0]);
                    String wrap = a[2] == null ? "\n" : in.str(a[2]);
                    StringBuilder out = new StringBuilder();
                    List<String> lines = PyStrings.splitlines(s, false);
                    for (int i = 0; i < lines.size(); i++) {
                        if (i > 0) {
                            out.append(wrap);
                        }
                        out.append(String.join(wrap, TextWrap.wrap(lines.get(i), width, PyObjects.truthy(a[1]),
                                PyObjects.truthy(a[3]), in.budget)));
                        in.budget.checkSize(out.length());
                    }
                    in.budget.chargeCopy(out.length());
                    return out.toString();
                });
        define("xmlattr", p("autospace", true), (in, v, a) -> {
            if (!(v instanceof PyDict d)) {
                throw new TemplateException("xmlattr expects a mapping");
            }
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<Object, Object> e : d.rawEntries()) {
                Object value = PyDict.entryValue(e);
                if (value == null || value instanceof Undefined) {
                    continue;
                }
                String key = in.str(PyDict.entryKey(e));
                if (ATTR_KEY.matcher(key).find()) {
                    throw new TemplateException("Invalid character in attribute name: " + PyStrings.repr(key));
                }
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(PyStrings.escapeHtml(key)).append("=\"").append(PyStrings.escapeHtml(softStr(in, value))).append('"');
            }
            if (PyObjects.truthy(a[0]) && !sb.isEmpty()) {
                sb.insert(0, ' ');
            }
            return sb.toString();
        });
    }


    // ---- helpers ------------------------------------------------------------------------------

    private static List<Object> firstItems(Interpreter in, Object v) {
        if (v instanceof PyGenerator g) {
            return g.take(1);
        }
        return PyObjects.iterate(v);
    }

    static Object toFloat(Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (PyNumbers.isNumber(v)) {
            return PyNumbers.toDouble(v);
        }
        String s = PyObjects.text(v);
        return s == null ? null : PyNumbers.parseFloat(s);
    }

    /** Jinja's do_int: int(value) or int(value, base) for strings, then int(float(value)), else null. */
    static Object toInt(Object v, long base) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        String s = PyObjects.text(v);
        if (s != null) {
            Object r = base < 0 || base > 36 || base == 1 ? null : PyNumbers.parseInt(s, (int) base);
            if (r != null) {
                return r;
            }
            Double f = PyNumbers.parseFloat(s);
            if (f == null || f.isNaN() || f.isInfinite()) {
                return null;
            }
            return PyNumbers.floatToInt(f);
        }
        if (v instanceof Double d) {
            // int(nan) is a ValueError (caught: the default); int(inf) an OverflowError, which Jinja lets through.
            return d.isNaN() ? null : PyNumbers.floatToInt(d);
        }
        if (PyNumbers.isInt(v)) {
            return v instanceof Boolean b ? (b ? 1L : 0L) : v;
        }
        return null;
    }

    private static Object ignoreCase(Object v) {
        return v instanceof String s ? PyStrings.lower(s) : v instanceof Markup m ? new Markup(PyStrings.lower(m.text())) : v;
    }

    /** Jinja's make_attrgetter: dotted path, integer parts as indexes, item-then-attribute lookups. */
    static Function<Object, Object> attrGetter(Interpreter in, Object attribute, Object dflt, boolean lower) {
        List<Object> parts = new ArrayList<>();
        if (attribute == null) {
            // identity
        } else if (attribute instanceof String s) {
            for (String part : s.split("\\.", -1)) {
                parts.add(!part.isEmpty() && part.chars().allMatch(Character::isDigit) && part.length() < 10
                        ? (Object) Long.parseLong(part) : part);
            }
        } else {
            parts.add(attribute);
        }
        return item -> {
            Object v = item;
            for (Object part : parts) {
                v = in.getItem(v, part);
                if (dflt != null && v instanceof Undefined) {
                    v = dflt;
                }
            }
            return lower ? ignoreCase(v) : v;
        };
    }

    /** make_multi_attrgetter: "a,b" compares tuples of attributes. */
    private static Function<Object, Object> multiAttrGetter(Interpreter in, Object attribute, boolean lower) {
        if (attribute instanceof String s && s.contains(",")) {
            List<Function<Object, Object>> getters = new ArrayList<>();
            for (String part : s.split(",")) {
                getters.add(attrGetter(in, part, null, lower));
            }
            return item -> {
                List<Object> key = new ArrayList<>(getters.size());
                for (Function<Object, Object> g : getters) {
                    key.add(g.apply(item));
                }
                return PyList.tuple(key);
            };
        }
        return attrGetter(in, attribute, null, lower);
    }

    /** Python's stable sorted(items, key=key, reverse=reverse), comparing with {@code <}. */
    private static void sort(Interpreter in, List<Object> items, Function<Object, Object> key, boolean reverse) {
        in.budget.charge((long) items.size() * 4);
        List<Object[]> keyed = new ArrayList<>(items.size());
        for (Object item : items) {
            keyed.add(new Object[] {key.apply(item), item});
        }
        Comparator<Object[]> cmp = (x, y) -> {
            in.budget.step();
            return PyObjects.compare(x[0], y[0], "<", in.budget);
        };
        keyed.sort(reverse ? cmp.reversed() : cmp);
        items.clear();
        for (Object[] k : keyed) {
            items.add(k[1]);
        }
    }

    private static Object minOrMax(Interpreter in, Object v, Object[] a, boolean max) {
        List<Object> items = in.iterate(v);
        if (items.isEmpty()) {
            return Undefined.hint("No aggregated item, sequence was empty.");
        }
        Function<Object, Object> key = attrGetter(in, a[1], null, !PyObjects.truthy(a[0]));
        Object best = items.get(0);
        Object bestKey = key.apply(best);
        for (int i = 1; i < items.size(); i++) {
            Object k = key.apply(items.get(i));
            int c = PyObjects.compare(k, bestKey, max ? ">" : "<", in.budget);
            if (max ? c > 0 : c < 0) {
                best = items.get(i);
                bestKey = k;
            }
        }
        return best;
    }

    private static Object map(Interpreter in, Object v, List<Object> args, Map<String, Object> kwargs) {
        Function<Object, Object> fn;
        if (args.isEmpty() && kwargs.containsKey("attribute")) {
            Map<String, Object> rest = new LinkedHashMap<>(kwargs);
            Object attribute = rest.remove("attribute");
            Object dflt = rest.remove("default");
            if (!rest.isEmpty()) {
                throw new TemplateException("Unexpected keyword argument '" + rest.keySet().iterator().next() + "'");
            }
            fn = attrGetter(in, attribute, dflt, false);
        } else {
            if (args.isEmpty()) {
                throw new TemplateException("map requires a filter argument");
            }
            String name = in.str(args.get(0));
            Filter f = FILTERS.get(name);
            if (f == null) {
                throw new TemplateException("No filter named '" + name + "'.");
            }
            List<Object> rest = args.subList(1, args.size());
            fn = item -> f.apply(in, item, rest, kwargs);
        }
        List<Object> out = new ArrayList<>();
        if (PyObjects.truthy(v)) {
            for (Object item : in.iterate(v)) {
                in.budget.step();
                out.add(fn.apply(item));
            }
        }
        return new PyGenerator(out, "generator object sync_do_map");
    }

    private static Object selectOrReject(Interpreter in, Object v, List<Object> args, Map<String, Object> kwargs,
                                         boolean byAttribute, boolean keep, String filterName) {
        Function<Object, Object> transform = Function.identity();
        int off = 0;
        if (byAttribute) {
            if (args.isEmpty()) {
                throw new TemplateException("Missing parameter for attribute name");
            }
            transform = attrGetter(in, args.get(0), null, false);
            off = 1;
        }
        java.util.function.Predicate<Object> test;
        if (args.size() > off) {
            String name = in.str(args.get(off));
            Tests.Test t = Tests.lookup(name);
            if (t == null) {
                throw new TemplateException("No test named '" + name + "'.");
            }
            List<Object> rest = args.subList(off + 1, args.size());
            test = x -> t.test(in, x, rest, kwargs);
        } else {
            test = PyObjects::truthy;
        }
        List<Object> out = new ArrayList<>();
        if (PyObjects.truthy(v)) {
            for (Object item : in.iterate(v)) {
                in.budget.step();
                if (test.test(transform.apply(item)) == keep) {
                    out.add(item);
                }
            }
        }
        return new PyGenerator(out, "generator object select_or_reject");
    }

    private static Object indent(Interpreter in, Object v, Object[] a) {
        String s = PyObjects.text(v);
        if (s == null) {
            if (v instanceof Undefined u) {
                throw u.error();
            }
            throw new TemplateException("unsupported operand type(s) for +=: '" + PyObjects.typeName(v) + "' and 'str'");
        }
        String indention;
        if (PyObjects.text(a[0]) != null) {
            indention = PyObjects.text(a[0]);
        } else {
            long width = Signature.toLong("indent", a[0]);
            in.budget.allocate(Math.max(0, width));
            indention = " ".repeat((int) Math.max(0, width));
        }
        List<String> lines = PyStrings.splitlines(s + "\n", false);
        in.budget.allocate((long) s.length() + (long) lines.size() * (indention.length() + 1));
        StringBuilder rv = new StringBuilder();
        if (PyObjects.truthy(a[2])) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) {
                    rv.append('\n').append(indention);
                }
                rv.append(lines.get(i));
            }
        } else {
            rv.append(lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                rv.append('\n');
                if (!lines.get(i).isEmpty()) {
                    rv.append(indention);
                }
                rv.append(lines.get(i));
            }
        }
        if (PyObjects.truthy(a[1])) {
            rv.insert(0, indention);
        }
        return sameKind(v, rv.toString());
    }

    private static Object round(Interpreter in, Object v, Object[] a) {
        String method = in.str(a[1]);
        if (!method.equals("common") && !method.equals("ceil") && !method.equals("floor")) {
            throw new TemplateException("method must be common, ceil or floor");
        }
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (!PyNumbers.isNumber(v)) {
            throw new TemplateException("type " + PyObjects.typeName(v) + " doesn't define __round__ method");
        }
        long precision = Signature.toLong("round", a[0]);
        if (method.equals("common")) {
            if (PyNumbers.isInt(v)) {
                if (precision >= 0) {
                    return v instanceof Boolean b ? (b ? 1L : 0L) : v;
                }
                BigInteger scale = BigInteger.TEN.pow((int) Math.min(-precision, 400));
                BigInteger value = PyNumbers.big(v);
                java.math.BigDecimal r = new java.math.BigDecimal(value).divide(new java.math.BigDecimal(scale))
                        .setScale(0, java.math.RoundingMode.HALF_EVEN);
                return PyNumbers.normalize(r.toBigInteger().multiply(scale));
            }
            return PyNumbers.roundFloat((Double) v, (int) Math.max(-400, Math.min(400, precision)));
        }
        Object factor = PyNumbers.pow(10L, precision);
        double scaled = PyNumbers.toDouble(PyNumbers.mul(v, factor));
        double r = method.equals("ceil") ? Math.ceil(scaled) : Math.floor(scaled);
        return PyNumbers.trueDiv(PyNumbers.floatToInt(r), factor);
    }

    private static Object filesize(Interpreter in, Object v, boolean binary) {
        Object f = toFloat(v);
        if (f == null) {
            throw new TemplateException("could not convert " + PyObjects.typeName(v) + " to float");
        }
        double bytes = (Double) f;
        double base = binary ? 1024 : 1000;
        String[] prefixes = binary ? new String[] {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
                : new String[] {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
        if (bytes == 1) {
            return "1 Byte";
        }
        if (bytes < base) {
            return PyNumbers.floatToInt(bytes) + " Bytes";
        }
        double unit = base;
        String prefix = prefixes[0];
        for (int i = 0; i < prefixes.length; i++) {
            unit = Math.pow(base, i + 2);
            prefix = prefixes[i];
            if (bytes < unit) {
                break;
            }
        }
        return PyNumbers.fixed(base * bytes / unit, 1) + " " + prefix;
    }

    /** Jinja's do_title: each run after -, whitespace, (, {, [ or &lt; starts with an uppercase letter. */
    private static String jinjaTitle(String s) {
        StringBuilder out = new StringBuilder(s.length());
        Matcher m = TITLE_SPLIT.matcher(s);
        int last = 0;
        while (m.find()) {
            titleChunk(out, s.substring(last, m.start()));
            titleChunk(out, m.group());
            last = m.end();
        }
        titleChunk(out, s.substring(last));
        return out.toString();
    }

    private static void titleChunk(StringBuilder out, String item) {
        if (item.isEmpty()) {
            return;
        }
        int cp = item.codePointAt(0);
        int len = Character.charCount(cp);
        out.append(PyStrings.upper(item.substring(0, len))).append(PyStrings.lower(item.substring(len)));
    }

    /** markupsafe's striptags: drop comments, then tags, collapse whitespace, unescape entities. One pass each. */
    static String striptags(String value) {
        String v = removeDelimited(value, "<!--", "-->");
        v = removeDelimited(v, "<", ">");
        return unescapeHtml(String.join(" ", PyStrings.split(v, null, -1)));
    }

    /** Removes every open...close span, left to right; an open without a close ends the removal. */
    private static String removeDelimited(String v, String open, String close) {
        StringBuilder out = new StringBuilder(v.length());
        int i = 0;
        while (true) {
            int start = v.indexOf(open, i);
            int end = start < 0 ? -1 : v.indexOf(close, start);
            if (end < 0) {
                out.append(v, i, v.length());
                return out.toString();
            }
            out.append(v, i, start);
            i = end + close.length();
        }
    }

    /** html.unescape for numeric references and the common named entities. */
    static String unescapeHtml(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = ENTITY.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String e = m.group(1);
            String rep;
            if (e.startsWith("#x") || e.startsWith("#X")) {
                rep = codePoint(e.substring(2), 16);
            } else if (e.startsWith("#")) {
                rep = codePoint(e.substring(1), 10);
            } else {
                rep = switch (e) {
                    case "amp" -> "&";
                    case "lt" -> "<";
                    case "gt" -> ">";
                    case "quot" -> "\"";
                    case "apos" -> "'";
                    case "nbsp" -> "\u00a0";
                    default -> null;
                };
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(rep == null ? m.group() : rep));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String codePoint(String digits, int radix) {
        try {
            int cp = Integer.parseInt(digits, radix);
            return cp > 0 && cp <= Character.MAX_CODE_POINT ? new String(Character.toChars(cp)) : "\ufffd";
        } catch (NumberFormatException e) {
            return "\ufffd";
        }
    }

    private static String urlQuote(Interpreter in, Object v, boolean forQuery) {
        byte[] bytes = in.str(v).getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                    || c == '-' || c == '~' || (!forQuery && c == '/')) {
                sb.append((char) c);
            } else if (forQuery && c == ' ') {
                sb.append('+');
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    private static Object urlencode(Interpreter in, Object v) {
        if (PyObjects.isString(v) || !PyObjects.isIterable(v)) {
            return urlQuote(in, v, false);
        }
        List<Object> pairs = v instanceof PyDict d ? d.items() : in.iterate(v);
        StringBuilder sb = new StringBuilder();
        for (Object pair : pairs) {
            List<Object> kv = PyObjects.iterate(pair);
            if (kv.size() != 2) {
                throw new TemplateException("too many values to unpack (expected 2)");
            }
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(urlQuote(in, kv.get(0), true)).append('=').append(urlQuote(in, kv.get(1), true));
        }
        return sb.toString();
    }
}
