package dev.hearth.store;

import java.util.Locale;

/** Byte counts for people, in decimal units as Ollama prints them ("4.7 GB"). */
public final class HumanBytes {
    private HumanBytes() {}

    private static final String[] UNITS = {"KB", "MB", "GB", "TB", "PB", "EB"};

    public static String format(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < UNITS.length - 1) {
            v /= 1000;
            u++;
        }
        // 3 significant digits: 4.66 GB, 46.6 GB, 466 GB
        String pattern = v >= 99.95 ? "%.0f %s" : v >= 9.995 ? "%.1f %s" : "%.2f %s";
        return String.format(Locale.ROOT, pattern, v, UNITS[u]);
    }
}
