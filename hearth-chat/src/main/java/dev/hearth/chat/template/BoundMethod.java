package dev.hearth.chat.template;

import java.util.List;
import java.util.Map;

/** A method of a str, list, dict or other value, looked up by {@code value.name} (see {@link Methods}). */
record BoundMethod(Object receiver, String name) implements PyCallable {
    @Override
    public Object call(Interpreter interpreter, List<Object> args, Map<String, Object> kwargs) {
        return Methods.call(interpreter, receiver, name, args, kwargs);
    }

    @Override
    public String repr() {
        return "<built-in method " + name + " of " + PyObjects.typeName(receiver) + " object>";
    }
}
