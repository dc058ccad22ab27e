package dev.hearth.chat.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a parsed template: executes statements, evaluates expressions with Python semantics, and
 * applies the sandbox (closed value types, no mutation except namespaces, budgets). One instance per
 * render; not thread-safe.
 */
final class Interpreter {
    enum Signal { NORMAL, BREAK, CONTINUE }

    final Budget budget;
    final RenderOptions options;
    /** Line of the statement being executed, for error messages. */
    int line;
    /** The rendered body a filter block or block set feeds to its filter chain. */
    private Object blockInput;

    Interpreter(RenderOptions options) {
        this.options = options;
        this.budget = new Budget(options);
    }

    String render(List<Stmt> body, Scope globals) {
        Output out = new Output(options.maxOutputChars());
        exec(body, new Scope(globals), out);
        return out.toString();
    }

    // ---- statements ------------------------------------------------------------------------

    Signal exec(List<Stmt> body, Scope scope, Output out) {
        for (Stmt s : body) {
            Signal signal = execOne(s, scope, out);
            if (signal != Signal.NORMAL) {
                return signal;
            }
        }
        return Signal.NORMAL;
    }

    private Signal execOne(Stmt stmt, Scope scope, Output out) {
        budget.step();
        budget.enter();
        try {
            switch (stmt) {
                case Stmt.Text t -> out.append(t.text());
                case Stmt.Print p -> {
                    line = p.line();
                    out.append(str(eval(p.expr(), scope)));
                }
                case Stmt.If i -> {
                    line = i.line();
                    for (int k = 0; k < i.tests().size(); k++) {
                        if (truthy(eval(i.tests().get(k), scope))) {
                            return exec(i.bodies().get(k), scope, out);
                        }
                    }
                    return exec(i.orElse(), scope, out);
                }
                case Stmt.For f -> {
                    line = f.line();
                    Object iterable = eval(f.iterable(), scope);
                    renderLoop(f, PyObjects.iterate(iterable), scope, out, 1);
                }
                case Stmt.Set s -> {
                    line = s.line();
                    assign(s.target(), eval(s.value(), scope), scope);
                }
                case Stmt.SetBlock s -> {
                    line = s.line();
                    Output buf = new Output(options.maxValueChars());
                    Signal signal = exec(s.body(), new Scope(scope), buf);
                    Object value = s.filter() == null ? buf.toString() : applyBlockFilter(s.filter(), buf.toString(), scope);
                    assign(s.target(), value, scope);
                    return signal;
                }
                case Stmt.MacroDef m -> scope.set(m.spec().name(), new Macro(m.spec(), scope));
                case Stmt.CallBlock c -> {
                    line = c.line();
                    Macro caller = new Macro(c.caller(), scope);
                    out.append(str(evalCall(c.call(), scope, caller)));
                }
                case Stmt.FilterBlock f -> {
                    line = f.line();
                    Output buf = new Output(options.maxValueChars());
                    Signal signal = exec(f.body(), new Scope(scope), buf);
                    out.append(str(applyBlockFilter(f.filter(), buf.toString(), scope)));
                    return signal;
                }
                case Stmt.With w -> {
                    line = w.line();
                    List<Object> values = new ArrayList<>();
                    for (Expr v : w.values()) {
                        values.add(eval(v, scope));
                    }
                    Scope inner = new Scope(scope);
                    for (int k = 0; k < values.size(); k++) {
                        assign(w.targets().get(k), values.get(k), inner);
                    }
                    return exec(w.body(), inner, out);
                }
                case Stmt.Scoped s -> {
                    return exec(s.body(), new Scope(scope), out);
                }
                case Stmt.Unsupported u -> {
                    line = u.line();
                    throw new TemplateException(u.message());
                }
                case Stmt.Break b -> {
                    return Signal.BREAK;
                }
                case Stmt.Continue c -> {
                    return Signal.CONTINUE;
                }
            }
            return Signal.NORMAL;
        } finally {
            budget.exit();
        }
    }

    private Object applyBlockFilter(Expr filter, String body, Scope scope) {
        Object saved = blockInput;
        blockInput = body;
        try {
            return eval(filter, scope);
        } finally {
            blockInput = saved;
        }
    }

    private void renderLoop(Stmt.For f, List<Object> items, Scope scope, Output out, int depth) {
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                budget.step();
                Scope probe = new Scope(scope);
                assign(f.target(), item, probe);
                if (truthy(eval(f.filter(), probe))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            exec(f.orElse(), new Scope(scope), out);
            return;
        }
        LoopContext loop = new LoopContext(items, depth, f, scope);
        int n = items.size();
        for (int i = 0; i < n; i++) {
            budget.step();
            loop.index0 = i;
            Scope iteration = new Scope(scope);
            iteration.set("loop", loop);
            assign(f.target(), items.get(i), iteration);
            if (exec(f.body(), iteration, out) == Signal.BREAK) {
                break;
            }
        }
    }

    /** Body of {@code loop(items)}: renders the recursive loop into a string. */
    Object renderRecursiveLoop(Stmt.For f, Object iterable, Scope scope, int depth) {
        budget.enter();
        try {
            Output buf = new Output(options.maxValueChars());
            renderLoop(f, PyObjects.iterate(iterable), scope, buf, depth);
            return buf.toString();
        } finally {
            budget.exit();
        }
    }

    void assign(Stmt.Target target, Object value, Scope scope) {
        switch (target) {
            case Stmt.Target.Name n -> scope.set(n.name(), value);
            case Stmt.Target.NamespaceAttr na -> {
                Object ns = scope.lookup(na.namespace());
                if (!(ns instanceof Namespace namespace)) {
                    throw new TemplateException("cannot assign attribute on non-namespace object");
                }
                namespace.attributes.put(na.attr(), value);
            }
            case Stmt.Target.Tuple t -> {
                List<Object> items = PyObjects.iterate(value);
                int expected = t.items().size();
                if (items.size() > expected) {
                    throw new TemplateException("too many values to unpack (expected " + expected + ")");
                }
                if (items.size() < expected) {
                    throw new TemplateException("not enough values to unpack (expected " + expected + ", got "
                            + items.size() + ")");
                }
                for (int k = 0; k < expected; k++) {
                    assign(t.items().get(k), items.get(k), scope);
                }
            }
        }
    }

    private static final int MACRO_CALL_STEPS = 8;

    /** Jinja's Macro.__call__: binds arguments, renders the body, returns the text. */
    Object callMacro(Macro macro, List<Object> args, Map<String, Object> kwargs) {
        Stmt.MacroSpec spec = macro.spec;
        // A call allocates a scope, an output buffer and the arguments: worth several plain steps.
        budget.charge(MACRO_CALL_STEPS);
        budget.enter();
        try {
            List<String> params = spec.params();
            int count = params.size();
            Map<String, Object> rest = kwargs.isEmpty() ? Map.of() : new LinkedHashMap<>(kwargs);
            Scope scope = new Scope(macro.closure);
            for (int k = 0; k < count; k++) {
                String param = params.get(k);
                Object value;
                if (k < args.size()) {
                    value = args.get(k);
                } else if (rest.containsKey(param)) {
                    value = rest.remove(param);
                } else if (spec.defaults().get(k) != null) {
                    value = eval(spec.defaults().get(k), scope);
                } else {
                    value = Undefined.hint("parameter '" + param + "' was not provided");
                }
                scope.set(param, value);
            }
            if (spec.usesCaller() && !params.contains("caller")) {
                Object caller = rest.isEmpty() ? null : rest.remove("caller");
                scope.set("caller", caller != null ? caller : Undefined.hint("No caller defined"));
            }
            if (spec.catchKwargs()) {
                PyDict d = new PyDict();
                rest.forEach(d::put);
                scope.set("kwargs", d);
            } else if (!rest.isEmpty()) {
                if (rest.containsKey("caller")) {
                    throw new TemplateException("macro '" + spec.name() + "' was invoked with two values for the special"
                            + " caller argument. This is most likely a bug.");
                }
                throw new TemplateException("macro '" + spec.name() + "' takes no keyword argument '"
                        + rest.keySet().iterator().next() + "'");
            }
            if (spec.catchVarargs()) {
                scope.set("varargs", args.size() > count
                        ? PyList.tuple(new ArrayList<>(args.subList(count, args.size()))) : PyList.EMPTY_TUPLE);
            } else if (args.size() > count) {
                throw new TemplateException("macro '" + spec.name() + "' takes not more than " + count + " argument(s)");
            }
            Output buf = new Output(options.maxValueChars());
            exec(spec.body(), scope, buf);
            return buf.toString();
        } finally {
            budget.exit();
        }
    }

    // ---- expressions -----------------------------------------------------------------------

    Object eval(Expr expr, Scope scope) {
        budget.step();
        budget.enter();
        try {
            return switch (expr) {
                case Expr.Const c -> c.value();
                case Expr.Name n -> {
                    Object v = scope.lookup(n.name());
                    yield v == Scope.MISSING ? Undefined.variable(n.name()) : v;
                }
                case Expr.GetAttr g -> getAttr(eval(g.target(), scope), g.name());
                case Expr.GetItem g -> {
                    Object target = eval(g.target(), scope);
                    if (g.key() instanceof Expr.Slice s) {
                        yield slice(target, evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope),
                                evalOrNull(s.step(), scope));
                    }
                    yield getItem(target, eval(g.key(), scope));
                }
                case Expr.Slice s -> throw new TemplateException("slice outside of a subscript");
                case Expr.ListLiteral l -> PyList.list(evalAll(l.items(), scope));
                case Expr.TupleLiteral t -> PyList.tuple(evalAll(t.items(), scope));
                case Expr.DictLiteral d -> {
                    PyDict dict = new PyDict(d.keys().size());
                    for (int k = 0; k < d.keys().size(); k++) {
                        Object key = eval(d.keys().get(k), scope);
                        dict.put(key, eval(d.values().get(k), scope));
                    }
                    yield dict;
                }
                case Expr.Unary u -> unary(u.op(), eval(u.operand(), scope));
                case Expr.Not n -> !truthy(eval(n.operand(), scope));
                case Expr.Binary b -> binary(b.op(), eval(b.left(), scope), eval(b.right(), scope));
                case Expr.And a -> {
                    Object left = eval(a.left(), scope);
                    yield truthy(left) ? eval(a.right(), scope) : left;
                }
                case Expr.Or o -> {
                    Object left = eval(o.left(), scope);
                    yield truthy(left) ? left : eval(o.right(), scope);
                }
                case Expr.Compare c -> compare(c, scope);
                case Expr.Concat c -> {
                    // Sized before building: the loop `set s = s ~ x` copies the whole string once per
                    // step, not three times as a growing StringBuilder would.
                    String[] parts = new String[c.parts().size()];
                    long total = 0;
                    for (int k = 0; k < parts.length; k++) {
                        parts[k] = str(eval(c.parts().get(k), scope));
                        total += parts[k].length();
                        budget.checkSize(total);
                    }
                    budget.allocate(total);
                    yield parts.length == 2 ? parts[0].concat(parts[1]) : String.join("", parts);
                }
                case Expr.Conditional c -> {
                    if (truthy(eval(c.test(), scope))) {
                        yield eval(c.then(), scope);
                    }
                    yield c.otherwise() != null ? eval(c.otherwise(), scope)
                            : Undefined.hint("the inline if-expression on line " + line
                                    + " evaluated to false and no else section was defined.");
                }
                case Expr.Call c -> evalCall(c, scope, null);
                case Expr.Filter f -> {
                    Object value = f.target() == null ? blockInput : eval(f.target(), scope);
                    if (f.filter() == null) {
                        throw new TemplateException("No filter named '" + f.name() + "' found.");
                    }
                    if (f.args().isEmpty()) {
                        yield f.filter().apply(this, value, List.of(), Map.of());
                    }
                    List<Object> args = new ArrayList<>();
                    Map<String, Object> kwargs = new LinkedHashMap<>();
                    evalArgs(f.args(), scope, args, kwargs);
                    yield f.filter().apply(this, value, args, kwargs);
                }
                case Expr.Test t -> {
                    Object value = eval(t.target(), scope);
                    if (t.test() == null) {
                        throw new TemplateException("No test named '" + t.name() + "' found.");
                    }
                    if (t.args().isEmpty()) {
                        yield t.test().test(this, value, List.of(), Map.of()) != t.negated();
                    }
                    List<Object> args = new ArrayList<>();
                    Map<String, Object> kwargs = new LinkedHashMap<>();
                    evalArgs(t.args(), scope, args, kwargs);
                    yield t.test().test(this, value, args, kwargs) != t.negated();
                }
            };
        } finally {
            budget.exit();
        }
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr e : exprs) {
            out.add(eval(e, scope));
        }
        return out;
    }

    private void evalArgs(Expr.Args a, Scope scope, List<Object> args, Map<String, Object> kwargs) {
        if (a.isEmpty()) {
            return;
        }
        for (Expr e : a.positional()) {
            args.add(eval(e, scope));
        }
        for (int k = 0; k < a.names().size(); k++) {
            kwargs.put(a.names().get(k), eval(a.keywordValues().get(k), scope));
        }
        if (a.star() != null) {
            List<Object> extra = PyObjects.iterate(eval(a.star(), scope));
            budget.charge(extra.size());
            args.addAll(extra);
        }
        if (a.starStar() != null) {
            Object mapping = eval(a.starStar(), scope);
            if (!(mapping instanceof PyDict d)) {
                throw new TemplateException("argument after ** must be a mapping, not " + PyObjects.typeName(mapping));
            }
            for (Map.Entry<Object, Object> e : d.rawEntries()) {
                if (!(PyDict.entryKey(e) instanceof String key)) {
                    throw new TemplateException("keywords must be strings");
                }
                kwargs.put(key, PyDict.entryValue(e));
            }
        }
    }

    Object evalCall(Expr.Call c, Scope scope, Macro caller) {
        Object fn = eval(c.callee(), scope);
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        evalArgs(c.args(), scope, args, kwargs);
        if (caller != null) {
            kwargs.put("caller", caller);
        }
        return call(fn, args, kwargs);
    }

    Object call(Object fn, List<Object> args, Map<String, Object> kwargs) {
        return switch (fn) {
            case PyCallable c -> c.call(this, args, kwargs);
            case Undefined u -> throw u.error();
            case null, default -> throw new TemplateException("'" + PyObjects.typeName(fn) + "' object is not callable");
        };
    }

    private Object compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (int k = 0; k < c.ops().size(); k++) {
            Object right = eval(c.rest().get(k), scope);
            boolean ok = switch (c.ops().get(k)) {
                case "==" -> PyObjects.equal(left, right, budget);
                case "!=" -> !PyObjects.equal(left, right, budget);
                case "<" -> PyObjects.compare(left, right, "<", budget) < 0;
                case "<=" -> PyObjects.compare(left, right, "<=", budget) <= 0;
                case ">" -> PyObjects.compare(left, right, ">", budget) > 0;
                case ">=" -> PyObjects.compare(left, right, ">=", budget) >= 0;
                case "in" -> PyObjects.contains(right, left, budget);
                case "notin" -> !PyObjects.contains(right, left, budget);
                default -> throw new IllegalStateException(c.ops().get(k));
            };
            if (!ok) {
                return false;
            }
            left = right;
        }
        return true;
    }

    Object unary(char op, Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (!PyNumbers.isNumber(v)) {
            throw new TemplateException("bad operand type for unary " + op + ": '" + PyObjects.typeName(v) + "'");
        }
        return op == '-' ? PyNumbers.negate(v) : PyNumbers.positive(v);
    }

    Object binary(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        boolean numbers = PyNumbers.isNumber(a) && PyNumbers.isNumber(b);
        switch (op) {
            case "+" -> {
                if (numbers) {
                    return PyNumbers.add(a, b);
                }
                return plus(a, b);
            }
            case "-" -> {
                if (numbers) {
                    return PyNumbers.sub(a, b);
                }
            }
            case "*" -> {
                if (numbers) {
                    return PyNumbers.mul(a, b);
                }
                if (PyNumbers.isInt(b) && (PyObjects.isString(a) || a instanceof PyList)) {
                    return repeat(a, b);
                }
                if (PyNumbers.isInt(a) && (PyObjects.isString(b) || b instanceof PyList)) {
                    return repeat(b, a);
                }
            }
            case "/" -> {
                if (numbers) {
                    return PyNumbers.trueDiv(a, b);
                }
            }
            case "//" -> {
                if (numbers) {
                    return PyNumbers.floorDiv(a, b);
                }
            }
            case "%" -> {
                if (numbers) {
                    return PyNumbers.mod(a, b);
                }
                if (a instanceof String s) {
                    return PyFormat.percent(this, s, b, false);
                }
                if (a instanceof Markup m) {
                    return new Markup(PyFormat.percent(this, m.text(), b, true));
                }
            }
            case "**" -> {
                if (numbers) {
                    return PyNumbers.pow(a, b);
                }
            }
            default -> throw new IllegalStateException(op);
        }
        throw new TemplateException("unsupported operand type(s) for " + op + ": '" + PyObjects.typeName(a) + "' and '"
                + PyObjects.typeName(b) + "'");
    }

    private Object plus(Object a, Object b) {
        if (a instanceof Markup || b instanceof Markup) {
            if (PyObjects.isString(a) && PyObjects.isString(b)) {
                String left = a instanceof Markup m ? m.text() : PyStrings.escapeHtml((String) a);
                String right = b instanceof Markup m ? m.text() : PyStrings.escapeHtml((String) b);
                budget.allocate((long) left.length() + right.length());
                return new Markup(left + right);
            }
        } else if (a instanceof String sa) {
            if (b instanceof String sb) {
                budget.allocate((long) sa.length() + sb.length());
                return sa.concat(sb);
            }
            throw new TemplateException("can only concatenate str (not \"" + PyObjects.typeName(b) + "\") to str");
        }
        if (a instanceof PyList la && la.isSubscriptable()) {
            if (b instanceof PyList lb && lb.isSubscriptable() && la.isTuple() == lb.isTuple()) {
                budget.allocate((long) la.size() + lb.size());
                List<Object> items = new ArrayList<>(la.size() + lb.size());
                items.addAll(la.items);
                items.addAll(lb.items);
                return new PyList(items, la.isTuple() ? PyList.Kind.TUPLE : PyList.Kind.LIST);
            }
            throw new TemplateException("can only concatenate " + la.typeName() + " (not \"" + PyObjects.typeName(b)
                    + "\") to " + la.typeName());
        }
        throw new TemplateException("unsupported operand type(s) for +: '" + PyObjects.typeName(a) + "' and '"
                + PyObjects.typeName(b) + "'");
    }

    private Object repeat(Object seq, Object times) {
        BigInteger n = PyNumbers.big(times);
        long count = n.signum() <= 0 ? 0 : n.bitLength() > 40 ? Long.MAX_VALUE : n.longValue();
        if (seq instanceof PyList l) {
            if (!l.isSubscriptable()) {
                throw new TemplateException("unsupported operand type(s) for *: '" + l.typeName() + "' and 'int'");
            }
            if (l.size() == 0 || count == 0) {
                return new PyList(new ArrayList<>(), l.isTuple() ? PyList.Kind.TUPLE : PyList.Kind.LIST);
            }
            budget.allocate(count == 0 ? 0 : Math.multiplyHigh(count, l.size()) != 0 ? Long.MAX_VALUE : count * l.size());
            List<Object> items = new ArrayList<>();
            for (long k = 0; k < count; k++) {
                items.addAll(l.items);
            }
            return new PyList(items, l.isTuple() ? PyList.Kind.TUPLE : PyList.Kind.LIST);
        }
        String s = PyObjects.text(seq);
        long size = count == 0 || s.isEmpty() ? 0
                : Math.multiplyHigh(count, s.length()) != 0 ? Long.MAX_VALUE : count * s.length();
        budget.allocate(size);
        String r = s.repeat((int) (size == 0 ? 0 : count));
        return seq instanceof Markup ? new Markup(r) : r;
    }

    // ---- attribute and item access (Jinja's sandboxed getattr / getitem) ---------------------

    /** {@code obj.name}: an attribute (method, namespace attribute, loop property) first, then an item. */
    Object getAttr(Object obj, String name) {
        if (name.startsWith("__") && name.endsWith("__") && name.length() > 4) {
            // Python's special attributes (__class__, __dict__, ...) exist on every object; the sandbox
            // makes them unsafe, which reads as an undefined value whose use is a security error.
            return Undefined.unsafe(obj, name);
        }
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        Object attr = Methods.attribute(obj, name);
        if (attr != Scope.MISSING) {
            return attr;
        }
        if (obj instanceof PyDict d) {
            Object v = d.get(name, Scope.MISSING);
            if (v != Scope.MISSING) {
                return v;
            }
        }
        return Undefined.attribute(obj, name);
    }

    /** {@code obj[key]}: an item first, then (for a string key) an attribute. */
    Object getItem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        switch (obj) {
            case PyDict d -> {
                if (isHashable(key)) {
                    Object v = d.get(key, Scope.MISSING);
                    if (v != Scope.MISSING) {
                        return v;
                    }
                }
            }
            case PyList l when l.isSubscriptable() && PyNumbers.isInt(key) -> {
                int i = index(key, l.size());
                if (i >= 0) {
                    return l.get(i);
                }
            }
            case String s when PyNumbers.isInt(key) -> {
                int i = index(key, PyStrings.length(s));
                if (i >= 0) {
                    return PyStrings.charAt(s, i);
                }
            }
            case Markup m when PyNumbers.isInt(key) -> {
                int i = index(key, PyStrings.length(m.text()));
                if (i >= 0) {
                    return PyStrings.charAt(m.text(), i);
                }
            }
            case null, default -> { }
        }
        if (key instanceof String name) {
            Object attr = Methods.attribute(obj, name);
            if (attr != Scope.MISSING) {
                return attr;
            }
        }
        return Undefined.attribute(obj, key);
    }

    private static boolean isHashable(Object key) {
        try {
            PyDict.hashKey(key);
            return true;
        } catch (TemplateException e) {
            return false;
        }
    }

    /** A Python index into a sequence of length n, or -1 when out of range. */
    private static int index(Object key, int n) {
        if (!PyNumbers.fitsLong(key)) {
            return -1;
        }
        long i = PyNumbers.asLong(key);
        if (i < 0) {
            i += n;
        }
        return i >= 0 && i < n ? (int) i : -1;
    }

    /** {@code obj[start:stop:step]} on a list, tuple or string. */
    Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        for (Object part : new Object[] {start, stop, step}) {
            if (part != null && !PyNumbers.isInt(part)) {
                return Undefined.attribute(obj, "slice");
            }
        }
        int n;
        String text = PyObjects.text(obj);
        if (text != null) {
            n = PyStrings.length(text);
        } else if (obj instanceof PyList l && l.isSubscriptable()) {
            n = l.size();
        } else {
            return Undefined.attribute(obj, "slice");
        }
        long stepValue = step == null ? 1 : clampLong(step);
        if (stepValue == 0) {
            throw new TemplateException("slice step cannot be zero");
        }
        long lo;
        long hi;
        long count;
        if (stepValue > 0) {
            lo = start == null ? 0 : clampIndex(clampLong(start), n, 0, n);
            hi = stop == null ? n : clampIndex(clampLong(stop), n, 0, n);
            count = hi > lo ? (hi - lo - 1) / stepValue + 1 : 0;
        } else {
            lo = start == null ? n - 1 : clampIndex(clampLong(start), n, -1, n - 1);
            hi = stop == null ? -1 : clampIndex(clampLong(stop), n, -1, n - 1);
            count = lo > hi ? (lo - hi - 1) / -stepValue + 1 : 0;
        }
        budget.charge(count);
        if (text != null) {
            return PyStrings.slice(text, (int) lo, (int) stepValue, (int) count);
        }
        PyList l = (PyList) obj;
        List<Object> items = new ArrayList<>((int) count);
        for (long k = 0, i = lo; k < count; k++, i += stepValue) {
            items.add(l.get((int) i));
        }
        return new PyList(items, l.isTuple() ? PyList.Kind.TUPLE : PyList.Kind.LIST);
    }

    private static long clampLong(Object v) {
        BigInteger b = PyNumbers.big(v);
        if (b.bitLength() > 62) {
            return b.signum() > 0 ? Long.MAX_VALUE / 4 : Long.MIN_VALUE / 4;
        }
        return b.longValue();
    }

    private static long clampIndex(long i, int n, long min, long max) {
        if (i < 0) {
            i += n;
        }
        return Math.max(min, Math.min(max, i));
    }

    // ---- conversions -----------------------------------------------------------------------

    String str(Object v) {
        return PyObjects.str(v, budget);
    }

    String repr(Object v) {
        return PyObjects.repr(v, budget);
    }

    boolean truthy(Object v) {
        return PyObjects.truthy(v);
    }

    /** Consumes an iterable into a list (for loops, filters), charging the budget. */
    List<Object> iterate(Object v) {
        List<Object> items = PyObjects.iterate(v);
        budget.charge(items.size());
        return items;
    }
}
