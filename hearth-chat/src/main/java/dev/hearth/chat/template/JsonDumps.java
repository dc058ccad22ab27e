package dev.hearth.chat.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, which is what the
 * {@code tojson} filter of Hugging Face chat templates is. Byte-for-byte: default separators
 * {@code ", "} and {@code ": "} (or {@code ","} with an indent), floats as Python repr, NaN/Infinity,
 * non-string keys converted the way Python does.
 */
final class JsonDumps {
    private final Budget budget;
    private final boolean ensureAscii;
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final StringBuilder out = new StringBuilder();

    private JsonDumps(Budget budget, boolean ensureAscii, String indent, String itemSeparator, String keySeparator,
                      boolean sortKeys) {
        this.budget = budget;
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
    }

    /**
     * @param indent     null for one line; an int (spaces) or a string (used as is), as in Python
     * @param separators null for the defaults, or a 2-item list/tuple of strings
     */
    static String dumps(Interpreter in, Object value, boolean ensureAscii, Object indent, Object separators,
                        boolean sortKeys) {
        String indentText = null;
        if (indent != null) {
            if (PyNumbers.isInt(indent)) {
                long n = Signature.toLong("tojson", indent);
                in.budget.allocate(Math.max(0, n));
                indentText = " ".repeat((int) Math.max(0, n));
            } else if (PyObjects.text(indent) != null) {
                indentText = PyObjects.text(indent);
            } else {
                throw new TemplateException("tojson: indent must be an int or a string, not " + PyObjects.typeName(indent));
            }
        }
        String item = indentText == null ? ", " : ",";
        String key = ": ";
        if (separators != null) {
            List<Object> parts = PyObjects.iterate(separators);
            if (parts.size() != 2 || PyObjects.text(parts.get(0)) == null || PyObjects.text(parts.get(1)) == null) {
                throw new TemplateException("tojson: separators must be a pair of strings");
            }
            item = PyObjects.text(parts.get(0));
            key = PyObjects.text(parts.get(1));
        }
        JsonDumps d = new JsonDumps(in.budget, ensureAscii, indentText, item, key, sortKeys);
        d.write(value, 0);
        in.budget.chargeCopy(d.out.length());
        return d.out.toString();
    }

    private void newline(int level) {
        out.append('\n');
        for (int i = 0; i < level; i++) {
            out.append(indent);
        }
        budget.checkSize(out.length());
    }

    private void write(Object v, int level) {
        budget.step();
        budget.checkSize(out.length());
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l);
            case BigInteger b -> out.append(b);
            case Double d -> out.append(floatText(d));
            case String s -> string(s);
            case Markup m -> string(m.text());
            case PyList l when l.kind != PyList.Kind.DICT_KEYS && l.kind != PyList.Kind.DICT_VALUES
                    && l.kind != PyList.Kind.DICT_ITEMS -> array(l.items, level);
            case PyDict d -> object(d, level);
            default -> throw new TemplateException("Object of type " + PyObjects.typeName(v) + " is not JSON serializable");
        }
    }

    private static String floatText(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyNumbers.floatRepr(d);
    }

    private void array(List<Object> items, int level) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        budget.enter();
        try {
            out.append('[');
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    out.append(itemSeparator);
                }
                if (indent != null) {
                    newline(level + 1);
                }
                write(items.get(i), level + 1);
            }
            if (indent != null) {
                newline(level);
            }
            out.append(']');
        } finally {
            budget.exit();
        }
    }

    private void object(PyDict d, int level) {
        if (d.isEmpty()) {
            out.append("{}");
            return;
        }
        budget.enter();
        try {
            List<Object[]> entries = new ArrayList<>(d.size());
            for (Map.Entry<Object, Object> e : d.rawEntries()) {
                entries.add(new Object[] {PyDict.entryKey(e), PyDict.entryValue(e)});
            }
            if (sortKeys) {
                entries.sort((a, b) -> PyObjects.compare(a[0], b[0], "<", budget));
            }
            out.append('{');
            boolean first = true;
            for (Object[] e : entries) {
                if (!first) {
                    out.append(itemSeparator);
                }
                first = false;
                if (indent != null) {
                    newline(level + 1);
                }
                string(keyText(e[0]));
                out.append(keySeparator);
                write(e[1], level + 1);
            }
            if (indent != null) {
                newline(level);
            }
            out.append('}');
        } finally {
            budget.exit();
        }
    }

    private static String keyText(Object key) {
        return switch (key) {
            case String s -> s;
            case Markup m -> m.text();
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case BigInteger b -> b.toString();
            case Double d -> floatText(d);
            default -> throw new TemplateException("keys must be str, int, float, bool or None, not "
                    + PyObjects.typeName(key));
        };
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
