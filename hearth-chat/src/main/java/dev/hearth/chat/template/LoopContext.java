package dev.hearth.chat.template;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Jinja's {@code loop} variable: index, index0, revindex, revindex0, first, last, length, depth,
 * depth0, previtem, nextitem, cycle(...), changed(...), and {@code loop(items)} in recursive loops.
 */
final class LoopContext implements PyCallable {
    private final List<Object> items;
    private final int depth;
    private final Stmt.For loop;
    private final Scope scope;
    int index0;
    private Object lastChanged = Scope.MISSING;

    LoopContext(List<Object> items, int depth, Stmt.For loop, Scope scope) {
        this.items = items;
        this.depth = depth;
        this.loop = loop;
        this.scope = scope;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index0" -> (long) index0;
            case "index" -> (long) index0 + 1;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth;
            case "depth0" -> (long) depth - 1;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.hint("there is no previous item");
            case "nextitem" -> index0 + 1 < n ? items.get(index0 + 1) : Undefined.hint("there is no next item");
            case "cycle", "changed" -> new BoundMethod(this, name);
            default -> Undefined.attribute(this, name);
        };
    }

    /** loop.cycle(a, b, ...) and loop.changed(...). */
    Object method(String name, List<Object> args, Budget budget) {
        if (name.equals("cycle")) {
            if (args.isEmpty()) {
                throw new TemplateException("no items for cycling given");
            }
            return args.get(index0 % args.size());
        }
        Object[] now = args.toArray();
        if (lastChanged == Scope.MISSING || !sameArgs((Object[]) lastChanged, now, budget)) {
            lastChanged = now;
            return true;
        }
        return false;
    }

    private static boolean sameArgs(Object[] a, Object[] b, Budget budget) {
        if (a.length != b.length) {
            return false;
        }
        return PyObjects.equal(PyList.tuple(Arrays.asList(a)), PyList.tuple(Arrays.asList(b)), budget);
    }

    /** {@code loop(items)} inside a recursive loop renders the loop body again, one level deeper. */
    @Override
    public Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs) {
        if (!loop.recursive()) {
            throw new TemplateException("Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.");
        }
        if (args.size() != 1 || !kwargs.isEmpty()) {
            throw new TemplateException("loop() takes exactly one argument");
        }
        return interpreter.renderRecursiveLoop(loop, args.get(0), scope, depth + 1);
    }

    @Override
    public String repr() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }
}
