package dev.hearth.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code HEARTH_*} environment setting, with its default, in one place.
 *
 * <p>Values come from a map (the process environment in production, a plain map in tests) and are parsed
 * when asked for, so a malformed setting that a command does not use does not break it; a malformed one that
 * is used fails with a message naming the variable and what it expects.
 */
public final class HearthSettings {

    /** One documented setting: its variable, default (as a user would write it) and meaning. */
    public record Setting(String name, String defaultValue, String description) {}

    public static final String HOME = "HEARTH_HOME";
    public static final String MODELS = "HEARTH_MODELS";
    public static final String CONVERSATIONS = "HEARTH_CONVERSATIONS";
    public static final String HOST = "HEARTH_HOST";
    public static final String KEEP_ALIVE = "HEARTH_KEEP_ALIVE";
    public static final String MAX_LOADED_MODELS = "HEARTH_MAX_LOADED_MODELS";
    public static final String NUM_PARALLEL = "HEARTH_NUM_PARALLEL";
    public static final String MAX_QUEUE = "HEARTH_MAX_QUEUE";
    public static final String ORIGINS = "HEARTH_ORIGINS";
    public static final String API_KEY = "HEARTH_API_KEY";
    public static final String NUM_THREADS = "HEARTH_NUM_THREADS";
    public static final String CONTEXT_LENGTH = "HEARTH_CONTEXT_LENGTH";
    public static final String DEBUG = "HEARTH_DEBUG";
    public static final String REPACK_CACHE = "HEARTH_REPACK_CACHE";

    /** Ollama's port, so that clients written for Ollama find Hearth without configuration. */
    public static final int DEFAULT_PORT = 11434;
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofMinutes(5);
    /** A negative keep-alive means "keep the model loaded until the server stops". */
    public static final Duration KEEP_ALIVE_FOREVER = ChronoUnit.FOREVER.getDuration();
    public static final int DEFAULT_CONTEXT_LENGTH = 4096;
    public static final int DEFAULT_MAX_QUEUE = 512;

    public static final List<Setting> ALL = List.of(
            new Setting(HOME, "~/.hearth", "Hearth's own directory: the default place of the model store and saved chats"),
            new Setting(MODELS, "$HEARTH_HOME/models", "model store (Ollama's layout; may point at an Ollama store)"),
            new Setting(CONVERSATIONS, "$HEARTH_HOME/conversations", "chats saved by the web page of hearth serve"),
            new Setting(HOST, DEFAULT_HOST + ":" + DEFAULT_PORT, "address the server listens on and the CLI talks to"),
            new Setting(KEEP_ALIVE, "5m", "how long an idle model stays loaded (e.g. 30s, 10m, 1h; negative: forever)"),
            new Setting(MAX_LOADED_MODELS, "1", "models kept loaded at the same time"),
            new Setting(NUM_PARALLEL, "1", "requests served in parallel per model"),
            new Setting(MAX_QUEUE, String.valueOf(DEFAULT_MAX_QUEUE), "requests queued before the server answers busy"),
            new Setting(ORIGINS, "", "extra allowed browser origins, comma-separated"),
            new Setting(API_KEY, "", "if set, clients must send it as a Bearer token"),
            new Setting(NUM_THREADS, "0", "compute threads (0: one per core)"),
            new Setting(CONTEXT_LENGTH, String.valueOf(DEFAULT_CONTEXT_LENGTH), "default context length in tokens"),
            new Setting(DEBUG, "", "if set, errors print stack traces"),
            new Setting(REPACK_CACHE, "$HEARTH_HOME/cache/repack",
                    "where 4-bit weights repacked at load are kept for fast later loads (about the model's size each; off: none)"));

    private final Map<String, String> env;
    private final Path home;

    /**
     * @param env variables by name (only {@code HEARTH_*} ones are read)
     * @param home the user's home directory, for {@code ~} and the default store
     */
    public HearthSettings(Map<String, String> env, Path home) {
        this.env = Map.copyOf(env);
        this.home = home;
    }

    /** Settings of this process: its environment and {@code user.home}. */
    public static HearthSettings fromEnvironment() {
        return new HearthSettings(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** These settings with {@code name} set to {@code value} (tests, and commands with overriding flags). */
    public HearthSettings with(String name, String value) {
        Map<String, String> copy = new java.util.HashMap<>(env);
        copy.put(name, value);
        return new HearthSettings(copy, home);
    }

    /** The raw value of a variable, if set and not blank. */
    public Optional<String> raw(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    /** {@code HEARTH_HOME}: Hearth's own directory, {@code ~/.hearth} unless set. */
    public Path hearthHome() {
        return raw(HOME).map(v -> path(HOME, v)).orElse(home.resolve(".hearth"));
    }

    /** {@code HEARTH_MODELS}: the model store directory. */
    public Path models() {
        return raw(MODELS).map(v -> path(MODELS, v)).orElse(hearthHome().resolve("models"));
    }

    /** {@code HEARTH_CONVERSATIONS}: where the server keeps the web page's chats, one JSON file each. */
    public Path conversations() {
        return raw(CONVERSATIONS).map(v -> path(CONVERSATIONS, v)).orElse(hearthHome().resolve("conversations"));
    }

    /**
     * {@code HEARTH_REPACK_CACHE}: the directory of repacked-weight cache files
     * ({@link dev.hearth.model.RepackedMatrices}), or empty if set to {@code off} (or {@code 0}, {@code false}).
     */
    public Optional<Path> repackCache() {
        Optional<String> v = raw(REPACK_CACHE);
        if (v.isPresent() && List.of("off", "0", "false", "no", "none").contains(v.get().toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        return Optional.of(v.map(x -> path(REPACK_CACHE, x)).orElse(hearthHome().resolve("cache").resolve("repack")));
    }

    /** {@code HEARTH_HOST} as an http URI with host and port, e.g. {@code http://127.0.0.1:11434}. */
    public URI host() {
        String v = raw(HOST).orElse(DEFAULT_HOST + ":" + DEFAULT_PORT);
        String s = v;
        String scheme = "http";
        int sep = s.indexOf("://");
        if (sep >= 0) {
            scheme = s.substring(0, sep).toLowerCase(Locale.ROOT);
            s = s.substring(sep + 3);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw invalid(HOST, v, "a host[:port], optionally prefixed by http:// or https://");
            }
        }
        if (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        String host = s;
        int port = scheme.equals("https") ? 443 : DEFAULT_PORT;
        int colon = s.lastIndexOf(':');
        boolean bracketedIpv6 = s.startsWith("[");
        if (colon >= 0 && (!bracketedIpv6 || colon > s.indexOf(']'))) {
            host = s.substring(0, colon);
            String p = s.substring(colon + 1);
            try {
                port = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw invalid(HOST, v, "a port number after ':'");
            }
            if (port < 0 || port > 65535) {
                throw invalid(HOST, v, "a port between 0 and 65535");
            }
        }
        if (host.isEmpty()) {
            host = DEFAULT_HOST;
        }
        if (host.contains("/") || host.contains("@") || host.contains("?") || host.contains("#")) {
            throw invalid(HOST, v, "a host[:port] without a path or user");
        }
        try {
            return new URI(scheme, null, host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port,
                    null, null, null);
        } catch (URISyntaxException e) {
            throw invalid(HOST, v, "a valid host name or address");
        }
    }

    /** {@code HEARTH_KEEP_ALIVE}; {@link #KEEP_ALIVE_FOREVER} for a negative value. */
    public Duration keepAlive() {
        return raw(KEEP_ALIVE).map(v -> duration(KEEP_ALIVE, v)).orElse(DEFAULT_KEEP_ALIVE);
    }

    public int maxLoadedModels() {
        return intSetting(MAX_LOADED_MODELS, 1, 1, 1024);
    }

    public int numParallel() {
        return intSetting(NUM_PARALLEL, 1, 1, 1024);
    }

    public int maxQueue() {
        return intSetting(MAX_QUEUE, DEFAULT_MAX_QUEUE, 1, 1_000_000);
    }

    /** {@code HEARTH_ORIGINS}: extra allowed origins (empty if unset). */
    public List<String> origins() {
        List<String> out = new ArrayList<>();
        raw(ORIGINS).ifPresent(v -> {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        });
        return List.copyOf(out);
    }

    public Optional<String> apiKey() {
        return raw(API_KEY);
    }

    /** {@code HEARTH_NUM_THREADS}; 0 (the default) means one per available core. */
    public int numThreads() {
        int n = intSetting(NUM_THREADS, 0, 0, 4096);
        return n == 0 ? Runtime.getRuntime().availableProcessors() : n;
    }

    public int contextLength() {
        return intSetting(CONTEXT_LENGTH, DEFAULT_CONTEXT_LENGTH, 1, 1 << 24);
    }

    public boolean debug() {
        return raw(DEBUG).map(v -> !v.equals("0") && !v.equalsIgnoreCase("false")).orElse(false);
    }

    // ---- parsing -----------------------------------------------------------------------------------------

    private int intSetting(String name, int defaultValue, int min, int max) {
        Optional<String> v = raw(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        long x;
        try {
            x = Long.parseLong(v.get());
        } catch (NumberFormatException e) {
            throw invalid(name, v.get(), "a whole number between " + min + " and " + max);
        }
        if (x < min || x > max) {
            throw invalid(name, v.get(), "a whole number between " + min + " and " + max);
        }
        return (int) x;
    }

    private Path path(String name, String v) {
        try {
            if (v.equals("~")) {
                return home;
            }
            if (v.startsWith("~/")) {
                return home.resolve(v.substring(2));
            }
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw invalid(name, v, "a directory path");
        }
    }

    /**
     * Go-style durations as Ollama accepts them: a bare number of seconds ({@code 300}), or a sequence of
     * number+unit ({@code 1h30m}, {@code 500ms}, {@code 1.5h}); a negative value means forever. Public for
     * the server, whose {@code keep_alive} request field takes the same syntax.
     */
    public static Duration duration(String name, String v) {
        String s = v.strip();
        boolean negative = s.startsWith("-");
        if (negative) {
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            throw invalid(name, v, "a duration such as 30s, 5m or 1h");
        }
        Duration total;
        try {
            if (s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                total = Duration.ofSeconds(Long.parseLong(s));
            } else {
                total = Duration.ZERO;
                int i = 0;
                while (i < s.length()) {
                    int start = i;
                    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                        i++;
                    }
                    if (start == i) {
                        throw invalid(name, v, "a duration such as 30s, 5m or 1h");
                    }
                    double amount = Double.parseDouble(s.substring(start, i));
                    int unitStart = i;
                    while (i < s.length() && Character.isLetter(s.charAt(i))) {
                        i++;
                    }
                    long nanosPerUnit = switch (s.substring(unitStart, i)) {
                        case "ns" -> 1L;
                        case "us", "µs" -> 1_000L;
                        case "ms" -> 1_000_000L;
                        case "s" -> 1_000_000_000L;
                        case "m" -> 60_000_000_000L;
                        case "h" -> 3_600_000_000_000L;
                        default -> throw invalid(name, v, "units ns, us, ms, s, m or h");
                    };
                    double nanos = amount * nanosPerUnit;
                    if (!(nanos < Long.MAX_VALUE)) {
                        throw invalid(name, v, "a duration shorter than 290 years");
                    }
                    total = total.plusNanos((long) nanos);
                }
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(name, v, "a duration such as 30s, 5m or 1h");
        }
        return negative && !total.isZero() ? KEEP_ALIVE_FOREVER : total;
    }

    private static IllegalArgumentException invalid(String name, String value, String expected) {
        return new IllegalArgumentException(name + "=" + value + " is invalid: expected " + expected);
    }
}
