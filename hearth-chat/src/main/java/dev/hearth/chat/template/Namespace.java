package dev.hearth.chat.template;

import java.util.LinkedHashMap;

/** Jinja's {@code namespace()}: the one mutable object, assigned with {@code {% set ns.attr = value %}}. */
final class Namespace {
    final LinkedHashMap<String, Object> attributes = new LinkedHashMap<>();
}
