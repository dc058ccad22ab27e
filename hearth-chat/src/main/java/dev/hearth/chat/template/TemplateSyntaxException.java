package dev.hearth.chat.template;

/** The template source is not valid Jinja (or uses a construct this engine does not support). */
public final class TemplateSyntaxException extends TemplateException {
    private static final long serialVersionUID = 1L;
    private final int line;

    public TemplateSyntaxException(String message, int line) {
        super(line > 0 ? message + " (line " + line + ")" : message);
        this.line = line;
    }

    /** 1-based line of the template where the problem was found, or 0 when unknown. */
    public int line() {
        return line;
    }
}
