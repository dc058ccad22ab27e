package dev.hearth.chat.template;

import java.util.List;
import java.util.Map;

/**
 * Python-style argument binding for built-in filters, tests, globals and methods: positional
 * arguments fill parameters in order, keywords by name, the rest take their defaults.
 */
final class Signature {
    static final Object REQUIRED = new Object();

    private final String function;
    private final String[] names;
    private final Object[] defaults;

    /** {@code namesAndDefaults} alternates parameter name and default ({@link #REQUIRED} if none). */
    Signature(String function, Object... namesAndDefaults) {
        this.function = function;
        int n = namesAndDefaults.length / 2;
        this.names = new String[n];
        this.defaults = new Object[n];
        for (int i = 0; i < n; i++) {
            names[i] = (String) namesAndDefaults[2 * i];
            defaults[i] = namesAndDefaults[2 * i + 1];
        }
    }

    Object[] bind(List<Object> args, Map<String, Object> kwargs) {
        if (args.size() > names.length) {
            throw new TemplateException(function + "() takes at most " + names.length + " argument(s) (" + args.size()
                    + " given)");
        }
        Object[] out = new Object[names.length];
        for (int i = 0; i < names.length; i++) {
            if (i < args.size()) {
                if (kwargs.containsKey(names[i])) {
                    throw new TemplateException(function + "() got multiple values for argument '" + names[i] + "'");
                }
                out[i] = args.get(i);
            } else if (kwargs.containsKey(names[i])) {
                out[i] = kwargs.get(names[i]);
            } else if (defaults[i] == REQUIRED) {
                throw new TemplateException(function + "() missing required argument '" + names[i] + "'");
            } else {
                out[i] = defaults[i];
            }
        }
        for (String key : kwargs.keySet()) {
            if (!contains(key)) {
                throw new TemplateException(function + "() got an unexpected keyword argument '" + key + "'");
            }
        }
        return out;
    }

    private boolean contains(String key) {
        for (String n : names) {
            if (n.equals(key)) {
                return true;
            }
        }
        return false;
    }

    // ---- argument conversions shared by built-ins -------------------------------------------

    static long toLong(String function, Object v) {
        if (PyNumbers.isInt(v)) {
            if (!PyNumbers.fitsLong(v)) {
                throw new TemplateLimitException(function + "(): integer argument too large");
            }
            return PyNumbers.asLong(v);
        }
        if (v instanceof Undefined u) {
            throw u.error();
        }
        throw new TemplateException("'" + PyObjects.typeName(v) + "' object cannot be interpreted as an integer");
    }

    static int toInt(String function, Object v) {
        long l = toLong(function, v);
        if (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE) {
            throw new TemplateLimitException(function + "(): integer argument too large");
        }
        return (int) l;
    }

    /** A str argument (Markup counts), or null when the value is None and none is allowed. */
    static String toStr(String function, Object v, boolean noneAllowed) {
        if (v == null && noneAllowed) {
            return null;
        }
        String s = PyObjects.text(v);
        if (s == null) {
            if (v instanceof Undefined u) {
                throw u.error();
            }
            throw new TemplateException(function + "() argument must be str, not " + PyObjects.typeName(v));
        }
        return s;
    }
}
