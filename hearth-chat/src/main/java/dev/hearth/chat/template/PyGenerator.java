package dev.hearth.chat.template;

import java.util.List;

/**
 * A Python generator or iterator, as returned by Jinja's lazy filters ({@code map}, {@code select},
 * {@code reverse}, ...): always truthy, no length, no indexing, and consumed by iterating it once.
 * The items are computed eagerly; only the consumption semantics are lazy.
 */
final class PyGenerator {
    private final List<Object> items;
    private final String description;
    private int position;

    PyGenerator(List<Object> items, String description) {
        this.items = items;
        this.description = description;
    }

    /** The items not yet consumed, consuming them. */
    List<Object> drain() {
        List<Object> rest = items.subList(position, items.size());
        position = items.size();
        return rest;
    }

    /** Consumes at most n items (next() called up to n times). */
    List<Object> take(int n) {
        int end = Math.min(items.size(), position + n);
        List<Object> head = items.subList(position, end);
        position = end;
        return head;
    }

    String description() {
        return description;
    }
}
