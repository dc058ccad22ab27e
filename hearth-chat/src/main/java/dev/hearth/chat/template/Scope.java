package dev.hearth.chat.template;

import java.util.Arrays;
import java.util.HashMap;

/**
 * A frame of variables. Jinja scoping: each for-loop iteration, macro call, {@code with} and block
 * body gets a child scope, so {@code {% set %}} inside them does not leak out ({@code if} does not
 * create one). Lookups walk outward at the time of the read, so a macro sees the current values of
 * the scope it was defined in.
 *
 * <p>Most scopes hold a handful of variables (a loop iteration: the target and {@code loop}), so they
 * live in small arrays searched linearly; a scope that grows past that switches to a hash map.
 */
final class Scope {
    static final Object MISSING = new Object();
    private static final int SMALL = 8;

    final Scope parent;
    private String[] names;
    private Object[] values;
    private int size;
    private HashMap<String, Object> map;

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.own(name);
            if (v != MISSING) {
                return v;
            }
        }
        return MISSING;
    }

    private Object own(String name) {
        if (map != null) {
            return map.getOrDefault(name, MISSING);
        }
        for (int i = 0; i < size; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return MISSING;
    }

    void set(String name, Object value) {
        if (map != null) {
            map.put(name, value);
            return;
        }
        for (int i = 0; i < size; i++) {
            if (names[i].equals(name)) {
                values[i] = value;
                return;
            }
        }
        if (names == null) {
            names = new String[2];
            values = new Object[2];
        } else if (size == names.length) {
            if (size == SMALL) {
                map = new HashMap<>();
                for (int i = 0; i < size; i++) {
                    map.put(names[i], values[i]);
                }
                map.put(name, value);
                names = null;
                values = null;
                return;
            }
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size] = value;
        size++;
    }
}
