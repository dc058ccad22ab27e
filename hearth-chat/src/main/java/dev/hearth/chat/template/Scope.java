package dev.hearth.chat.template;

import java.util.HashMap;

/**
 * A frame of variables. Jinja scoping: each for-loop iteration, macro call, {@code with} and block
 * body gets a child scope, so {@code {% set %}} inside them does not leak out ({@code if} does not
 * create one). Lookups walk outward at the time of the read, so a macro sees the current values of
 * the scope it was defined in.
 */
final class Scope {
    static final Object MISSING = new Object();

    final Scope parent;
    private HashMap<String, Object> vars;

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars != null) {
                Object v = s.vars.getOrDefault(name, MISSING);
                if (v != MISSING) {
                    return v;
                }
            }
        }
        return MISSING;
    }

    void set(String name, Object value) {
        if (vars == null) {
            vars = new HashMap<>();
        }
        vars.put(name, value);
    }
}
