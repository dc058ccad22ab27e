package dev.hearth.chat.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Attributes and methods that templates reach with {@code value.name}: Python's str, dict, list and
 * tuple methods, namespace attributes, loop properties. Following Jinja's ImmutableSandboxedEnvironment,
 * methods that mutate a list or dict are visible but unsafe: using them is a security error.
 */
final class Methods {
    private Methods() {}

    private static final Set<String> STR_METHODS = Set.of(
            "capitalize", "casefold", "center", "count", "endswith", "expandtabs", "find", "format", "format_map",
            "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
            "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition",
            "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip",
            "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill", "encode", "translate",
            "maketrans");
    /** Methods of Markup whose str results stay Markup (markupsafe wraps them). */
    private static final Set<String> MARKUP_KEEPS = Set.of(
            "capitalize", "casefold", "center", "expandtabs", "format", "format_map", "join", "ljust", "lower", "lstrip",
            "removeprefix", "removesuffix", "replace", "rjust", "rstrip", "strip", "swapcase", "title", "upper", "zfill",
            "split", "rsplit", "splitlines", "partition", "rpartition");
    private static final Set<String> DICT_METHODS = Set.of("get", "items", "keys", "values", "copy");
    private static final Set<String> DICT_MUTATORS = Set.of("pop", "popitem", "setdefault", "update", "clear");
    private static final Set<String> LIST_METHODS = Set.of("count", "index", "copy");
    private static final Set<String> LIST_MUTATORS = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
            "sort", "clear");

    /** The attribute {@code name} of obj, or {@link Scope#MISSING} when it has none. */
    static Object attribute(Object obj, String name) {
        switch (obj) {
            case String s -> {
                return STR_METHODS.contains(name) ? new BoundMethod(obj, name) : Scope.MISSING;
            }
            case Markup m -> {
                return STR_METHODS.contains(name) || name.equals("striptags") || name.equals("unescape")
                        ? new BoundMethod(obj, name) : Scope.MISSING;
            }
            case PyDict d -> {
                if (DICT_METHODS.contains(name)) {
                    return new BoundMethod(obj, name);
                }
                return DICT_MUTATORS.contains(name) ? Undefined.unsafe(obj, name) : Scope.MISSING;
            }
            case PyList l -> {
                if (l.kind == PyList.Kind.GROUP && (name.equals("grouper") || name.equals("list"))) {
                    return l.get(name.equals("grouper") ? 0 : 1);
                }
                if (l.kind == PyList.Kind.LIST) {
                    if (LIST_METHODS.contains(name)) {
                        return new BoundMethod(obj, name);
                    }
                    return LIST_MUTATORS.contains(name) ? Undefined.unsafe(obj, name) : Scope.MISSING;
                }
                if (l.isTuple() && (name.equals("count") || name.equals("index"))) {
                    return new BoundMethod(obj, name);
                }
                return Scope.MISSING;
            }
            case Namespace ns -> {
                return ns.attributes.containsKey(name) ? ns.attributes.get(name) : Scope.MISSING;
            }
            case LoopContext loop -> {
                Object v = loop.attribute(name);
                return v instanceof Undefined u && !name.equals("previtem") && !name.equals("nextitem") ? Scope.MISSING : v;
            }
            case Double d -> {
                return name.equals("is_integer") ? new BoundMethod(obj, name) : name.equals("real") ? d
                        : name.equals("imag") ? (Object) 0.0 : Scope.MISSING;
            }
            case Macro m -> {
                return switch (name) {
                    case "name" -> m.spec.name();
                    case "arguments" -> PyList.tuple(new ArrayList<>(m.spec.params()));
                    case "catch_kwargs" -> m.spec.catchKwargs();
                    case "catch_varargs" -> m.spec.catchVarargs();
                    case "caller" -> m.spec.usesCaller();
                    default -> Scope.MISSING;
                };
            }
            case Globals.Cycler c -> {
                return switch (name) {
                    case "current" -> c.current();
                    case "next", "reset" -> new BoundMethod(obj, name);
                    default -> Scope.MISSING;
                };
            }
            case null, default -> {
                return Scope.MISSING;
            }
        }
    }

    static Object call(Interpreter in, Object receiver, String name, List<Object> args, Map<String, Object> kwargs) {
        Budget budget = in.budget;
        switch (receiver) {
            case String s -> {
                return stringMethod(in, s, name, args, kwargs);
            }
            case Markup m -> {
                if (name.equals("striptags")) {
                    return Filters.striptags(m.text());
                }
                if (name.equals("unescape")) {
                    return Filters.unescapeHtml(m.text());
                }
                List<Object> escapedArgs = args;
                if (name.equals("replace") && args.size() >= 2) {
                    escapedArgs = new ArrayList<>(args);
                    escapedArgs.set(1, escapeArg(args.get(1)));
                } else if (name.equals("join") && args.size() == 1) {
                    List<Object> items = new ArrayList<>();
                    for (Object item : in.iterate(args.get(0))) {
                        items.add(escapeArg(item));
                    }
                    escapedArgs = List.of(PyList.list(items));
                }
                Object r = stringMethod(in, m.text(), name, escapedArgs, kwargs);
                return MARKUP_KEEPS.contains(name) ? toMarkup(r) : r;
            }
            case PyDict d -> {
                return switch (name) {
                    case "get" -> {
                        Object[] a = new Signature("get", "key", Signature.REQUIRED, "default", null).bind(args, kwargs);
                        yield d.get(a[0], a[1]);
                    }
                    case "items" -> {
                        budget.charge(d.size());
                        yield new PyList(d.items(), PyList.Kind.DICT_ITEMS);
                    }
                    case "keys" -> {
                        budget.charge(d.size());
                        yield new PyList(d.keys(), PyList.Kind.DICT_KEYS);
                    }
                    case "values" -> {
                        budget.charge(d.size());
                        yield new PyList(d.values(), PyList.Kind.DICT_VALUES);
                    }
                    case "copy" -> d.copy();
                    default -> throw new TemplateException("dict has no method " + name);
                };
            }
            case PyList l -> {
                return switch (name) {
                    case "count" -> {
                        Object[] a = new Signature("count", "value", Signature.REQUIRED).bind(args, kwargs);
                        long c = 0;
                        for (Object o : l.items) {
                            budget.step();
                            if (PyObjects.equal(o, a[0], budget)) {
                                c++;
                            }
                        }
                        yield c;
                    }
                    case "index" -> {
                        Object[] a = new Signature("index", "value", Signature.REQUIRED, "start", 0L, "stop", null)
                                .bind(args, kwargs);
                        int n = l.size();
                        int start = clampBound(Signature.toLong("index", a[1]), n);
                        int stop = a[2] == null ? n : clampBound(Signature.toLong("index", a[2]), n);
                        for (int i = start; i < stop; i++) {
                            budget.step();
                            if (PyObjects.equal(l.get(i), a[0], budget)) {
                                yield (long) i;
                            }
                        }
                        throw new TemplateException(PyObjects.reprForMessage(a[0]) + " is not in "
                                + (l.isTuple() ? "tuple" : "list"));
                    }
                    case "copy" -> PyList.list(new ArrayList<>(l.items));
                    default -> throw new TemplateException(l.typeName() + " has no method " + name);
                };
            }
            case Double d -> {
                return d == Math.rint(d) && !Double.isInfinite(d);
            }
            case LoopContext loop -> {
                return loop.method(name, args, budget);
            }
            case Globals.Cycler c -> {
                return name.equals("next") ? c.next() : c.reset();
            }
            default -> throw new TemplateException("'" + PyObjects.typeName(receiver) + "' object has no method " + name);
        }
    }

    private static Object escapeArg(Object v) {
        if (v instanceof String s) {
            return PyStrings.escapeHtml(s);
        }
        return v;
    }

    private static Object toMarkup(Object r) {
        if (r instanceof String s) {
            return new Markup(s);
        }
        if (r instanceof PyList l) {
            List<Object> items = new ArrayList<>(l.size());
            for (Object o : l.items) {
                items.add(o instanceof String s ? new Markup(s) : o);
            }
            return new PyList(items, l.kind);
        }
        return r;
    }

    private static int clampBound(long i, int n) {
        if (i < 0) {
            i += n;
        }
        return (int) Math.max(0, Math.min(n, i));
    }

    // ---- str methods ------------------------------------------------------------------------

    private static Object stringMethod(Interpreter in, String s, String name, List<Object> args, Map<String, Object> kwargs) {
        Budget budget = in.budget;
        budget.chargeCopy(s.length());
        switch (name) {
            case "strip", "lstrip", "rstrip" -> {
                Object[] a = new Signature(name, "chars", null).bind(args, kwargs);
                String chars = Signature.toStr(name, a[0], true);
                return name.equals("strip") ? PyStrings.strip(s, chars)
                        : name.equals("lstrip") ? PyStrings.lstrip(s, chars) : PyStrings.rstrip(s, chars);
            }
            case "split", "rsplit" -> {
                Object[] a = new Signature(name, "sep", null, "maxsplit", -1L).bind(args, kwargs);
                String sep = Signature.toStr(name, a[0], true);
                long max = Signature.toLong(name, a[1]);
                List<String> parts = name.equals("split") ? PyStrings.split(s, sep, max) : PyStrings.rsplit(s, sep, max);
                budget.charge(parts.size());
                return PyList.list(new ArrayList<>(parts));
            }
            case "splitlines" -> {
                Object[] a = new Signature(name, "keepends", false).bind(args, kwargs);
                return PyList.list(new ArrayList<>(PyStrings.splitlines(s, PyObjects.truthy(a[0]))));
            }
            case "startswith", "endswith" -> {
                Object[] a = new Signature(name, "prefix", Signature.REQUIRED, "start", null, "end", null).bind(args, kwargs);
                String sub = substring(s, a[1], a[2], name);
                List<Object> candidates = a[0] instanceof PyList l && l.isTuple() ? l.items : List.of(a[0]);
                for (Object c : candidates) {
                    String t = PyObjects.text(c);
                    if (t == null) {
                        throw new TemplateException(name + " first arg must be str or a tuple of str, not "
                                + PyObjects.typeName(c));
                    }
                    if (sub != null && (name.equals("startswith") ? sub.startsWith(t) : sub.endsWith(t))) {
                        return true;
                    }
                }
                return false;
            }
            case "upper" -> {
                noArgs(name, args, kwargs);
                return PyStrings.upper(s);
            }
            case "lower", "casefold" -> {
                noArgs(name, args, kwargs);
                return PyStrings.lower(s);
            }
            case "title" -> {
                noArgs(name, args, kwargs);
                return PyStrings.title(s);
            }
            case "capitalize" -> {
                noArgs(name, args, kwargs);
                return PyStrings.capitalize(s);
            }
            case "swapcase" -> {
                noArgs(name, args, kwargs);
                return PyStrings.swapcase(s);
            }
            case "replace" -> {
                Object[] a = new Signature(name, "old", Signature.REQUIRED, "new", Signature.REQUIRED, "count", -1L)
                        .bind(args, kwargs);
                return PyStrings.replace(s, Signature.toStr(name, a[0], false), Signature.toStr(name, a[1], false),
                        Signature.toLong(name, a[2]), budget);
            }
            case "find", "rfind", "index", "rindex", "count" -> {
                Object[] a = new Signature(name, "sub", Signature.REQUIRED, "start", null, "end", null).bind(args, kwargs);
                String sub = Signature.toStr(name, a[0], false);
                return find(s, sub, a[1], a[2], name);
            }
            case "join" -> {
                Object[] a = new Signature(name, "iterable", Signature.REQUIRED).bind(args, kwargs);
                List<Object> items = in.iterate(a[0]);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < items.size(); i++) {
                    String t = PyObjects.text(items.get(i));
                    if (t == null) {
                        throw new TemplateException("sequence item " + i + ": expected str instance, "
                                + PyObjects.typeName(items.get(i)) + " found");
                    }
                    if (i > 0) {
                        sb.append(s);
                    }
                    sb.append(t);
                    budget.checkSize(sb.length());
                }
                budget.chargeCopy(sb.length());
                return sb.toString();
            }
            case "format" -> {
                return PyFormat.format(in, s, args, kwargs);
            }
            case "format_map" -> {
                Object[] a = new Signature(name, "mapping", Signature.REQUIRED).bind(args, kwargs);
                if (!(a[0] instanceof PyDict d)) {
                    throw new TemplateException("format_map() argument must be a mapping");
                }
                Map<String, Object> kw = new java.util.LinkedHashMap<>();
                for (Map.Entry<Object, Object> e : d.rawEntries()) {
                    if (PyDict.entryKey(e) instanceof String k) {
                        kw.put(k, PyDict.entryValue(e));
                    }
                }
                return PyFormat.format(in, s, List.of(), kw);
            }
            case "center", "ljust", "rjust" -> {
                Object[] a = new Signature(name, "width", Signature.REQUIRED, "fillchar", " ").bind(args, kwargs);
                long width = Signature.toLong(name, a[0]);
                String fill = Signature.toStr(name, a[1], false);
                if (PyStrings.length(fill) != 1) {
                    throw new TemplateException("The fill character must be exactly one character long");
                }
                return pad(s, width, fill, name, budget);
            }
            case "zfill" -> {
                Object[] a = new Signature(name, "width", Signature.REQUIRED).bind(args, kwargs);
                long width = Signature.toLong(name, a[0]);
                int len = PyStrings.length(s);
                if (width <= len) {
                    return s;
                }
                budget.allocate(width);
                int fill = (int) (width - len);
                if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
                    return s.charAt(0) + "0".repeat(fill) + s.substring(1);
                }
                return "0".repeat(fill) + s;
            }
            case "partition", "rpartition" -> {
                Object[] a = new Signature(name, "sep", Signature.REQUIRED).bind(args, kwargs);
                String sep = Signature.toStr(name, a[0], false);
                if (sep.isEmpty()) {
                    throw new TemplateException("empty separator");
                }
                int i = name.equals("partition") ? PyStrings.indexOf(s, sep, 0) : PyStrings.lastIndexOf(s, sep, s.length());
                if (i < 0) {
                    return PyList.tuple(name.equals("partition") ? Arrays.asList(s, "", "") : Arrays.asList("", "", s));
                }
                return PyList.tuple(Arrays.asList(s.substring(0, i), sep, s.substring(i + sep.length())));
            }
            case "removeprefix" -> {
                String p = Signature.toStr(name, new Signature(name, "prefix", Signature.REQUIRED).bind(args, kwargs)[0], false);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = Signature.toStr(name, new Signature(name, "suffix", Signature.REQUIRED).bind(args, kwargs)[0], false);
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            }
            case "expandtabs" -> {
                Object[] a = new Signature(name, "tabsize", 8L).bind(args, kwargs);
                long tab = Signature.toLong(name, a[0]);
                StringBuilder sb = new StringBuilder();
                int col = 0;
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c == '\t') {
                        if (tab > 0) {
                            long spaces = tab - (col % tab);
                            budget.checkSize(sb.length() + spaces);
                            sb.repeat(' ', (int) spaces);
                            col += (int) spaces;
                        }
                    } else {
                        sb.append(c);
                        col = c == '\n' || c == '\r' ? 0 : col + 1;
                    }
                }
                return sb.toString();
            }
            case "isalpha", "isdigit", "isnumeric", "isdecimal", "isalnum", "isspace", "islower", "isupper", "istitle",
                 "isidentifier", "isascii", "isprintable" -> {
                noArgs(name, args, kwargs);
                return predicate(s, name);
            }
            default -> throw new TemplateException("str." + name + "() is not supported by this template engine");
        }
    }

    private static void noArgs(String name, List<Object> args, Map<String, Object> kwargs) {
        if (!args.isEmpty() || !kwargs.isEmpty()) {
            throw new TemplateException(name + "() takes no arguments (" + (args.size() + kwargs.size()) + " given)");
        }
    }

    /** s[start:end] for the optional start/end arguments of startswith etc.; null when start is past the end. */
    private static String substring(String s, Object start, Object end, String name) {
        if (start == null && end == null) {
            return s;
        }
        int n = PyStrings.length(s);
        long lo = start == null ? 0 : Signature.toLong(name, start);
        long hi = end == null ? n : Signature.toLong(name, end);
        if (lo < 0) {
            lo = Math.max(0, lo + n);
        }
        if (hi < 0) {
            hi = Math.max(0, hi + n);
        }
        hi = Math.min(hi, n);
        if (lo > n) {
            return null;
        }
        if (hi < lo) {
            return "";
        }
        return s.substring(PyStrings.offsetOf(s, (int) lo), PyStrings.offsetOf(s, (int) hi));
    }

    private static Object find(String s, String sub, Object start, Object end, String name) {
        int n = PyStrings.length(s);
        long lo = start == null ? 0 : Signature.toLong(name, start);
        long hi = end == null ? n : Signature.toLong(name, end);
        if (lo < 0) {
            lo = Math.max(0, lo + n);
        }
        if (hi < 0) {
            hi = Math.max(0, hi + n);
        }
        hi = Math.min(hi, n);
        if (name.equals("count")) {
            if (lo > hi) {
                return 0L;
            }
            String region = s.substring(PyStrings.offsetOf(s, (int) lo), PyStrings.offsetOf(s, (int) hi));
            if (sub.isEmpty()) {
                return (long) PyStrings.length(region) + 1;
            }
            PyStrings.Finder finder = new PyStrings.Finder(sub);
            long c = 0;
            for (int i = finder.indexIn(region, 0); i >= 0; i = finder.indexIn(region, i + sub.length())) {
                c++;
            }
            return c;
        }
        long result = -1;
        if (lo <= hi && lo <= n) {
            int offLo = PyStrings.offsetOf(s, (int) lo);
            int offHi = PyStrings.offsetOf(s, (int) hi);
            String region = s.substring(offLo, offHi);
            int i = name.startsWith("r") ? PyStrings.lastIndexOf(region, sub, region.length())
                    : PyStrings.indexOf(region, sub, 0);
            if (i >= 0) {
                result = PyStrings.cpIndex(s, offLo + i);
            }
        }
        if (result < 0 && (name.equals("index") || name.equals("rindex"))) {
            throw new TemplateException("substring not found");
        }
        return result;
    }

    static String pad(String s, long width, String fill, String how, Budget budget) {
        int len = PyStrings.length(s);
        if (width <= len) {
            return s;
        }
        budget.allocate(width * fill.length());
        int total = (int) (width - len);
        int left = switch (how) {
            case "ljust" -> 0;
            case "rjust" -> total;
            // Python's center puts the extra space on the right when the string length is even... per CPython: left = pad/2 + (pad & width & 1)
            default -> total / 2 + (int) (total & width & 1);
        };
        return fill.repeat(left) + s + fill.repeat(total - left);
    }

    private static boolean predicate(String s, String name) {
        if (s.isEmpty()) {
            return name.equals("isascii") || name.equals("isprintable");
        }
        int[] cps = PyStrings.codePoints(s);
        switch (name) {
            case "islower" -> {
                return PyStrings.isLower(s);
            }
            case "isupper" -> {
                return PyStrings.isUpper(s);
            }
            case "istitle" -> {
                boolean cased = false;
                boolean previousCased = false;
                for (int cp : cps) {
                    if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
                        if (previousCased) {
                            return false;
                        }
                        previousCased = true;
                        cased = true;
                    } else if (Character.isLowerCase(cp)) {
                        if (!previousCased) {
                            return false;
                        }
                        previousCased = true;
                        cased = true;
                    } else {
                        previousCased = false;
                    }
                }
                return cased;
            }
            case "isidentifier" -> {
                if (!(Character.isUnicodeIdentifierStart(cps[0]) || cps[0] == '_')) {
                    return false;
                }
                for (int i = 1; i < cps.length; i++) {
                    if (!Character.isUnicodeIdentifierPart(cps[i]) || Character.isIdentifierIgnorable(cps[i])) {
                        return false;
                    }
                }
                return true;
            }
            default -> { }
        }
        for (int cp : cps) {
            boolean ok = switch (name) {
                case "isalpha" -> Character.isLetter(cp);
                case "isdigit", "isdecimal" -> Character.isDigit(cp);
                case "isnumeric" -> Character.isDigit(cp) || Character.getType(cp) == Character.LETTER_NUMBER
                        || Character.getType(cp) == Character.OTHER_NUMBER;
                case "isalnum" -> Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.LETTER_NUMBER
                        || Character.getType(cp) == Character.OTHER_NUMBER;
                case "isspace" -> cp < 0x10000 && PyStrings.isSpace((char) cp);
                case "isascii" -> cp < 0x80;
                case "isprintable" -> PyStrings.isPrintable(cp);
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
