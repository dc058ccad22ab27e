package dev.hearth.chat.template;

/** Where rendered text goes: the prompt, or a macro's or block's captured body. Enforces the size budget. */
final class Output {
    private final StringBuilder text = new StringBuilder();
    private final int limit;

    Output(int limit) {
        this.limit = limit;
    }

    void append(String s) {
        if ((long) text.length() + s.length() > limit) {
            throw new TemplateLimitException("template output exceeded " + limit + " chars");
        }
        text.append(s);
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
