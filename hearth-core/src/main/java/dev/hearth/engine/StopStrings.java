package dev.hearth.engine;

import java.util.List;

/**
 * Holds back streamed text that might be the start of a stop string, and cuts the text at the first
 * stop string found, so that no part of a stop string ever reaches the listener.
 */
final class StopStrings {
    private final List<String> stops;
    private final GenerationListener listener;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder all = new StringBuilder();
    private boolean stopped;

    StopStrings(List<String> stops, GenerationListener listener) {
        this.stops = stops;
        this.listener = listener;
    }

    /** Adds text; returns true when a stop string has been reached. */
    boolean append(String text) {
        if (stopped || text.isEmpty()) {
            return stopped;
        }
        pending.append(text);
        int cut = -1;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            emit(pending.substring(0, cut));
            pending.setLength(0);
            stopped = true;
            return true;
        }
        int hold = 0;
        for (String s : stops) {
            hold = Math.max(hold, overlap(pending, s));
        }
        int release = pending.length() - hold;
        // Never split a surrogate pair.
        if (release > 0 && release < pending.length() && Character.isHighSurrogate(pending.charAt(release - 1))) {
            release--;
        }
        if (release > 0) {
            emit(pending.substring(0, release));
            pending.delete(0, release);
        }
        return false;
    }

    /** Longest suffix of {@code text} that is a proper prefix of {@code stop}. */
    private static int overlap(CharSequence text, String stop) {
        int max = Math.min(text.length(), stop.length() - 1);
        for (int len = max; len > 0; len--) {
            boolean match = true;
            for (int i = 0; i < len; i++) {
                if (text.charAt(text.length() - len + i) != stop.charAt(i)) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return len;
            }
        }
        return 0;
    }

    void flush() {
        if (!stopped && !pending.isEmpty()) {
            emit(pending.toString());
            pending.setLength(0);
        }
    }

    boolean stopped() {
        return stopped;
    }

    private void emit(String s) {
        if (!s.isEmpty()) {
            all.append(s);
            listener.onText(s);
        }
    }

    String text() {
        return all.toString();
    }
}
