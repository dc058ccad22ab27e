package dev.hearth.cli;

import dev.hearth.store.HumanBytes;
import dev.hearth.store.Layer;
import dev.hearth.store.Progress;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Shows pull and create progress: one line per step, and a bar per layer with bytes, rate and time left.
 *
 * <pre>
 * pulling manifest
 * pulling 6a0746a1ec1a:  45% ▕███████▍         ▏ 2.1 GB/4.7 GB   48 MB/s   54s
 * pulling 4fa551d4f938: 100% ▕█████████████████▏  12 KB
 * writing manifest
 * success
 * </pre>
 *
 * On a terminal the bars are redrawn in place (ANSI cursor movement, at most ten times a second); otherwise
 * (a pipe, a log, a test) each line is printed once, when it is final.
 */
final class ProgressBars implements Progress {

    private static final int BAR_WIDTH = 25;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean terminal;

    /** Everything shown, in order: steps (fixed text) and layer bars. */
    private final List<Object> lines = new ArrayList<>();
    private final Map<String, Bar> bars = new LinkedHashMap<>();
    private int drawnLines;
    private long lastDraw;

    private static final class Bar {
        final String label;
        final long total;
        long completed;
        long firstNanos = System.nanoTime();
        long firstCompleted = -1;
        long doneNanos;
        boolean verifying;

        Bar(String label, long total) {
            this.label = label;
            this.total = total;
        }

        boolean done() {
            return completed >= total;
        }
    }

    ProgressBars(PrintWriter out, PrintWriter err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    /** True when stdout is an interactive terminal (not a pipe, file or test). */
    static boolean stdoutIsTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal() && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }

    @Override
    public void status(String status) {
        // "verifying sha256 digest of <12 hex>": shown on that layer's bar while the blob is hashed
        if (status.startsWith(VERIFYING)) {
            Bar b = bars.get("pulling " + status.substring(VERIFYING.length()).strip());
            if (b != null) {
                b.verifying = true;
                draw(true);
            }
            return;
        }
        for (Bar b : bars.values()) {
            b.verifying = false;
        }
        lines.add(status);
        draw(true);
    }

    private static final String VERIFYING = "verifying sha256 digest of ";

    @Override
    public void layer(Layer layer, long completed) {
        bar("pulling " + layer.digest().shortHex(), layer.size(), completed);
    }

    @Override
    public void copying(String what, long done, long total) {
        bar(what, total, done);
    }

    private void bar(String label, long total, long completed) {
        Bar b = bars.get(label);
        for (Bar other : bars.values()) {
            if (other != b) {
                other.verifying = false;
            }
        }
        if (b == null) {
            b = new Bar(label, total);
            bars.put(label, b);
            lines.add(b);
        }
        if (b.firstCompleted < 0) {
            b.firstCompleted = completed; // bytes already there (resumed) do not count towards the rate
            b.firstNanos = System.nanoTime();
        }
        b.completed = Math.min(completed, total);
        if (b.done() && b.doneNanos == 0) {
            b.doneNanos = System.nanoTime();
        }
        draw(b.done());
    }

    @Override
    public void warning(String message) {
        if (terminal) {
            clear();
            err.println("warning: " + message);
            err.flush();
            drawnLines = 0;
            draw(true);
        } else {
            flushFinalLines();
            err.println("warning: " + message);
            err.flush();
        }
    }

    /** Draws what is left; call once the operation ends (successfully or not). */
    void finish() {
        draw(true);
        if (!terminal) {
            flushFinalLines();
        }
        out.flush();
    }

    private void draw(boolean force) {
        if (!terminal) {
            flushFinalLines();
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        StringBuilder s = new StringBuilder();
        if (drawnLines > 0) {
            s.append("\033[").append(drawnLines).append('A');
        }
        for (Object line : lines) {
            s.append("\r\033[2K").append(line instanceof Bar b ? render(b, now) : line).append('\n');
        }
        drawnLines = lines.size();
        out.print(s);
        out.flush();
    }

    private void clear() {
        if (drawnLines > 0) {
            out.print("\033[" + drawnLines + "A\033[J");
            out.flush();
        }
    }

    /** Without a terminal: print each line once, in order, as soon as it and all before it are final. */
    private void flushFinalLines() {
        while (printedLines < lines.size()) {
            Object line = lines.get(printedLines);
            if (line instanceof Bar b) {
                if (!b.done()) {
                    break;
                }
                out.println(render(b, System.nanoTime()));
            } else {
                out.println(line);
            }
            printedLines++;
        }
        out.flush();
    }

    private int printedLines;

    String render(Bar b, long now) {
        int pct = b.total == 0 ? 100 : (int) Math.min(100, b.completed * 100 / b.total);
        StringBuilder s = new StringBuilder();
        s.append(b.label).append(": ").append(String.format(Locale.ROOT, "%3d%% ", pct)).append('▕');
        double filled = b.total == 0 ? BAR_WIDTH : (double) b.completed / b.total * BAR_WIDTH;
        int full = (int) filled;
        for (int i = 0; i < BAR_WIDTH; i++) {
            s.append(i < full ? '█' : i == full && filled - full >= 0.5 ? '▌' : ' ');
        }
        s.append("▏ ");
        if (b.done()) {
            s.append(String.format(Locale.ROOT, "%8s", HumanBytes.format(b.total)));
            double secs = (b.doneNanos - b.firstNanos) / 1e9;
            long moved = b.total - Math.max(0, b.firstCompleted);
            if (b.verifying) {
                s.append("  verifying sha256 digest");
            } else if (secs > 0.5 && moved > 0) {
                s.append(String.format(Locale.ROOT, "  %s/s", HumanBytes.format((long) (moved / secs))));
            }
            return s.toString();
        }
        s.append(HumanBytes.format(b.completed)).append('/').append(HumanBytes.format(b.total));
        double secs = (now - b.firstNanos) / 1e9;
        long moved = b.completed - Math.max(0, b.firstCompleted);
        if (secs > 0.2 && moved > 0) {
            double rate = moved / secs;
            s.append(String.format(Locale.ROOT, "  %8s/s", HumanBytes.format((long) rate)));
            s.append("  ").append(eta((b.total - b.completed) / rate));
        }
        return s.toString();
    }

    static String eta(double seconds) {
        long s = (long) Math.ceil(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02ds", s % 60);
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
    }
}
