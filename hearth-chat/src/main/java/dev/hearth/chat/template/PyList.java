package dev.hearth.chat.template;

import java.util.List;

/**
 * A Python list, tuple or dict view. Immutable: the sandbox forbids mutating methods, and every
 * operation that "changes" a list builds a new one.
 */
final class PyList {
    enum Kind {
        LIST("list"), TUPLE("tuple"), DICT_KEYS("dict_keys"), DICT_VALUES("dict_values"), DICT_ITEMS("dict_items"),
        /** Jinja's groupby result: a tuple (grouper, list) with those two attribute names. */
        GROUP("tuple");

        final String typeName;

        Kind(String typeName) {
            this.typeName = typeName;
        }
    }

    static final PyList EMPTY_TUPLE = new PyList(List.of(), Kind.TUPLE);

    final List<Object> items;
    final Kind kind;

    PyList(List<Object> items, Kind kind) {
        this.items = items;
        this.kind = kind;
    }

    static PyList list(List<Object> items) {
        return new PyList(items, Kind.LIST);
    }

    static PyList tuple(List<Object> items) {
        return new PyList(items, Kind.TUPLE);
    }

    int size() {
        return items.size();
    }

    Object get(int i) {
        return items.get(i);
    }

    boolean isTuple() {
        return kind == Kind.TUPLE || kind == Kind.GROUP;
    }

    /** list and tuple support [i] and slices; dict views do not. */
    boolean isSubscriptable() {
        return kind == Kind.LIST || kind == Kind.TUPLE || kind == Kind.GROUP;
    }

    String typeName() {
        return kind.typeName;
    }
}
