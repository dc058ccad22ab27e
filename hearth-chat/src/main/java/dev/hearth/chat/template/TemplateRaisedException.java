package dev.hearth.chat.template;

/**
 * The template called {@code raise_exception(message)}: the conversation is one the template refuses
 * (for example roles that do not alternate). {@link #getMessage()} is exactly the template's message,
 * meant to be shown to the client that sent the conversation.
 */
public final class TemplateRaisedException extends TemplateException {
    private static final long serialVersionUID = 1L;

    public TemplateRaisedException(String message) {
        super(message);
    }
}
