package dev.hearth.chat.template;

/**
 * Rendering ran out of one of the sandbox budgets in {@link RenderOptions} (steps, nesting depth,
 * output or value size). A hostile or broken template ends with this instead of hanging, exhausting
 * memory or overflowing the stack.
 */
public final class TemplateLimitException extends TemplateException {
    private static final long serialVersionUID = 1L;

    public TemplateLimitException(String message) {
        super(message);
    }
}
