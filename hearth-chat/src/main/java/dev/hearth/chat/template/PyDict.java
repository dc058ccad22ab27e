package dev.hearth.chat.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Python dict: insertion ordered, keys compared the Python way (1, 1.0 and True are the same key).
 * Built once and then read only (the sandbox forbids mutation).
 */
final class PyDict {
    /** Normalized key → (original key, value). */
    private final LinkedHashMap<Object, Map.Entry<Object, Object>> map;

    PyDict() {
        this.map = new LinkedHashMap<>();
    }

    PyDict(int expected) {
        this.map = LinkedHashMap.newLinkedHashMap(expected);
    }

    /** Python's None as a map key (Java maps would accept null, but this keeps lookups explicit). */
    private static final Object NONE_KEY = new Object();

    /** The form under which equal Python keys collide; unhashable values are a TypeError. */
    static Object hashKey(Object key) {
        return switch (key) {
            case null -> NONE_KEY;
            case String s -> s;
            case Markup m -> m.text();
            case Long l -> l;
            case Boolean b -> b ? 1L : 0L;
            case BigInteger b -> b;
            case Double d -> {
                if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.0e18) {
                    yield (long) d.doubleValue();
                }
                yield d;
            }
            case PyList l when l.isTuple() -> {
                List<Object> parts = new ArrayList<>(l.size());
                for (Object o : l.items) {
                    parts.add(hashKey(o));
                }
                yield parts;
            }
            default -> throw new TemplateException("unhashable type: '" + PyObjects.typeName(key) + "'");
        };
    }

    void put(Object key, Object value) {
        Object h = hashKey(key);
        Map.Entry<Object, Object> old = map.get(h);
        // Python keeps the first key object and replaces the value.
        map.put(h, Map.entry(old == null ? keyOrNone(key) : old.getKey(), valueOrNone(value)));
    }

    // Map.entry refuses nulls, so None travels as a sentinel inside entries.
    private static final Object NULL = new Object();

    private static Object keyOrNone(Object k) {
        return k == null ? NULL : k;
    }

    private static Object valueOrNone(Object v) {
        return v == null ? NULL : v;
    }

    private static Object unwrap(Object v) {
        return v == NULL ? null : v;
    }

    boolean containsKey(Object key) {
        return map.containsKey(hashKey(key));
    }

    /** The value for key, or {@code missing} when absent. */
    Object get(Object key, Object missing) {
        Map.Entry<Object, Object> e = map.get(hashKey(key));
        return e == null ? missing : unwrap(e.getValue());
    }

    int size() {
        return map.size();
    }

    boolean isEmpty() {
        return map.isEmpty();
    }

    List<Object> keys() {
        List<Object> out = new ArrayList<>(map.size());
        for (Map.Entry<Object, Object> e : map.values()) {
            out.add(unwrap(e.getKey()));
        }
        return out;
    }

    List<Object> values() {
        List<Object> out = new ArrayList<>(map.size());
        for (Map.Entry<Object, Object> e : map.values()) {
            out.add(unwrap(e.getValue()));
        }
        return out;
    }

    /** (key, value) tuples in order. */
    List<Object> items() {
        List<Object> out = new ArrayList<>(map.size());
        for (Map.Entry<Object, Object> e : map.values()) {
            out.add(PyList.tuple(java.util.Arrays.asList(unwrap(e.getKey()), unwrap(e.getValue()))));
        }
        return out;
    }

    Collection<Map.Entry<Object, Object>> rawEntries() {
        return map.values();
    }

    static Object entryKey(Map.Entry<Object, Object> e) {
        return unwrap(e.getKey());
    }

    static Object entryValue(Map.Entry<Object, Object> e) {
        return unwrap(e.getValue());
    }

    PyDict copy() {
        PyDict d = new PyDict(map.size());
        d.map.putAll(map);
        return d;
    }
}
