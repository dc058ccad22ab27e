package dev.hearth.chat.template;

/**
 * A chat template failed to compile or render. The message says what went wrong in the template's
 * terms (the same wording Jinja2 uses where practical). Subclasses tell the cases apart:
 * {@link TemplateSyntaxException} (does not parse), {@link TemplateRaisedException} (the template
 * called {@code raise_exception}) and {@link TemplateLimitException} (a sandbox budget ran out).
 */
public class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
