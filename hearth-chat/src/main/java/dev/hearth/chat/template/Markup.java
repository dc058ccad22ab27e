package dev.hearth.chat.template;

/**
 * markupsafe's {@code Markup}: a string marked safe by {@code |safe} or produced by {@code |escape}.
 * With autoescaping off (as in chat templates) it prints like a plain string; the difference shows
 * in {@code +} and {@code %}, which escape the plain-string side.
 */
record Markup(String text) {
    @Override
    public String toString() {
        return text;
    }
}
