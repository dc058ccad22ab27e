package dev.hearth.chat.tools;

/**
 * Tool-call detection while the output streams: text that cannot be part of a call is passed on at once;
 * text that may be (from an opening {@code <tool_call>} or {@code [TOOL_CALLS]}, or an answer that opens
 * with JSON or, for Mistral, with a function name directly followed by <code>{</code>) is held back until
 * the end, when it is parsed: the calls are reported, and anything
 * that turns out not to be a call is released as content. A partial marker at the end of a piece
 * ({@code "<tool"}) is held until the next piece decides it. Not thread-safe; one per response.
 */
public final class ToolCallStream {
    private final ToolCallFormat format;
    private final StringBuilder pending = new StringBuilder();
    private boolean started;
    private boolean holding;

    public ToolCallStream(ToolCallFormat format) {
        this.format = format;
    }

    /** Takes the next piece of output; returns the content that can be shown now (possibly empty). */
    public String feed(String piece) {
        pending.append(piece);
        if (holding) {
            return "";
        }
        if (!started) {
            int first = JsonValue.skipSpace(pending, 0);
            if (first == pending.length()) {
                return ""; // only whitespace so far: the answer's first character decides
            }
            char c = pending.charAt(first);
            // A call in JSON (or Mistral's "[TOOL_CALLS]", which starts with '[' too) opens the answer.
            if (format.jsonAtStart() && (c == '{' || c == '[')) {
                started = true;
                holding = true;
                return "";
            }
            // Mistral's name[ARGS]{...} whose markers are control tokens: "name{...}". A name alone so far
            // waits for the character after it.
            if (format == ToolCallFormat.MISTRAL && ToolCallParser.startsWithBareCall(pending)) {
                if (pending.indexOf("{") >= 0) {
                    started = true;
                    holding = true;
                }
                return "";
            }
            started = true;
        }
        int open = -1;
        int keep = 0;
        for (String marker : markers()) {
            int at = pending.indexOf(marker);
            if (at >= 0 && (open < 0 || at < open)) {
                open = at;
            }
            keep = Math.max(keep, partialMarkerLength(pending, marker));
        }
        if (open >= 0) {
            holding = true;
            return take(open);
        }
        // Keep back a tail that could be the start of a marker ("<tool", "[TOOL_").
        return take(pending.length() - keep);
    }

    /** The markers that open calls in the middle of an answer, in this format. */
    private String[] markers() {
        return switch (format) {
            case HERMES -> new String[] {ToolCallParser.OPEN};
            case MISTRAL -> new String[] {ToolCallParser.MISTRAL_MARK};
            case GENERIC -> new String[] {ToolCallParser.OPEN, ToolCallParser.MISTRAL_MARK};
            case LLAMA3_JSON -> new String[0];
        };
    }

    /** The output ended: the content not yet shown, and the calls. */
    public ToolCallParser.Parsed finish() {
        String rest = pending.toString();
        pending.setLength(0);
        if (!holding) {
            return new ToolCallParser.Parsed(rest, java.util.List.of());
        }
        return ToolCallParser.parse(rest, format);
    }

    private String take(int n) {
        String out = pending.substring(0, n);
        pending.delete(0, n);
        return out;
    }

    /** The length of the longest suffix of {@code s} that is a proper prefix of {@code marker}. */
    static int partialMarkerLength(CharSequence s, String marker) {
        int max = Math.min(s.length(), marker.length() - 1);
        for (int n = max; n > 0; n--) {
            boolean match = true;
            for (int i = 0; i < n; i++) {
                if (s.charAt(s.length() - n + i) != marker.charAt(i)) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return n;
            }
        }
        return 0;
    }
}
