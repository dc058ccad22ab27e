package dev.hearth.chat.template;

/**
 * Jinja's default {@code Undefined}: what a missing variable, attribute, key or index evaluates to.
 * It prints as the empty string, is falsy, iterates as empty and has length 0, but any other use
 * (attribute, item, call, arithmetic, comparison) raises an error with {@link #message()}.
 * A sandbox-blocked attribute (a mutating list or dict method) is an Undefined whose use is a
 * security error.
 */
final class Undefined {
    private final String name;
    private final Object owner;
    private final boolean hasOwner;
    private final String hint;
    final boolean security;

    private Undefined(String name, Object owner, boolean hasOwner, String hint, boolean security) {
        this.name = name;
        this.owner = owner;
        this.hasOwner = hasOwner;
        this.hint = hint;
        this.security = security;
    }

    /** An undefined variable. */
    static Undefined variable(String name) {
        return new Undefined(name, null, false, null, false);
    }

    /** A missing attribute or key {@code name} of {@code owner}. */
    static Undefined attribute(Object owner, Object name) {
        return new Undefined(name instanceof String s ? s : null, owner, true,
                name instanceof String ? null : describeElement(owner, name), false);
    }

    static Undefined hint(String hint) {
        return new Undefined(null, null, false, hint, false);
    }

    static Undefined unsafe(Object owner, String attribute) {
        return new Undefined(attribute, owner, true,
                "access to attribute '" + attribute + "' of '" + PyObjects.typeName(owner) + "' object is unsafe.", true);
    }

    private static String describeElement(Object owner, Object key) {
        return typeRepr(owner) + " has no element " + PyObjects.reprForMessage(key);
    }

    private static String typeRepr(Object owner) {
        return owner == null ? "None" : PyObjects.typeName(owner) + " object";
    }

    /** The error message Jinja gives when this value is used in a way Undefined cannot be. */
    String message() {
        if (hint != null) {
            return hint;
        }
        if (!hasOwner) {
            return "'" + name + "' is undefined";
        }
        return "'" + typeRepr(owner) + "' has no attribute '" + name + "'";
    }

    TemplateException error() {
        return new TemplateException(message());
    }
}
