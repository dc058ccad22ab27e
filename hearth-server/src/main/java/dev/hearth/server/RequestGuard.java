package dev.hearth.server;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.http.HttpExchange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks every request before routing: the Host header (against DNS rebinding), the Origin (CORS, only for
 * {@code HEARTH_ORIGINS}) and the API key.
 *
 * <p>DNS rebinding: a web page on evil.example can make its own name resolve to 127.0.0.1 and then talk to
 * a loopback server "same-origin". Its requests still carry {@code Host: evil.example}, so a server bound to
 * loopback (or to one address) answers only Host names that mean this machine: localhost and *.localhost,
 * loopback addresses, the bound address, and the host configured in {@code HEARTH_HOST}. A server bound to
 * every interface (0.0.0.0 or ::, which a user must ask for in {@code HEARTH_HOST}) was deliberately exposed
 * and accepts any Host, as Ollama does; {@code HEARTH_API_KEY} is what protects it.
 *
 * <p>Cross-origin requests: a browser page may send "simple" requests (a POST with a text/plain body) to
 * any server without a preflight, and reading the response is all CORS forbids. The request itself would
 * still run (a pull, a delete), so any request whose Origin is not allowed is refused with 403 before it
 * does anything, not merely left without CORS headers.
 *
 * <p>Hearth's own web page ({@code /ui/}) is same-origin: browsers send its Origin on every POST, PUT, PATCH
 * and DELETE, and it equals {@code http://} plus the Host header. That origin is allowed when the Host names
 * this machine (as above, plus the address the connection arrived on), even when the server is bound to
 * every interface: there the Host check is off, and a rebound name would otherwise pass as "same origin".
 * The page's files are public (they are in the jar), so they need no API key; the page asks the user for
 * the key and sends it with its API calls.
 */
final class RequestGuard {
    static final String ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS";
    static final String ALLOW_HEADERS = "Authorization, Content-Type, Accept, User-Agent, X-Requested-With, "
            + "OpenAI-Organization, OpenAI-Project, OpenAI-Beta, X-Stainless-Lang, X-Stainless-Package-Version, "
            + "X-Stainless-OS, X-Stainless-Arch, X-Stainless-Runtime, X-Stainless-Runtime-Version, "
            + "X-Stainless-Retry-Count, X-Stainless-Timeout, X-Stainless-Async";

    private final InetAddress bound;
    private final String configuredHost;
    private final List<Pattern> origins;
    private final Optional<byte[]> apiKey;

    RequestGuard(ServerConfig config, InetAddress bound) {
        this.bound = bound;
        this.configuredHost = config.configuredHost().toLowerCase(Locale.ROOT);
        this.origins = config.origins().stream().map(RequestGuard::originPattern).toList();
        this.apiKey = config.apiKey().map(k -> k.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Runs the checks; returns true if the request was fully answered here (a refusal or a CORS preflight).
     */
    boolean answered(HttpExchange ex, ErrorWriter errors) throws Exception {
        String host = ex.header("Host").orElse("");
        // HTTP/1.0 requests may lack a Host (HTTP/1.1 ones cannot: the protocol layer refuses them); browsers
        // always send one, so a missing Host cannot be a rebinding attack.
        if (!host.isEmpty() && !hostAllowed(host)) {
            errors.write(ex, new ApiException(403, "host '" + printable(host) + "' is not allowed; "
                    + "use localhost, or set HEARTH_HOST to the address clients should use"));
            return true;
        }
        Optional<String> origin = ex.header("Origin");
        if (origin.isPresent() && !sameOrigin(ex, origin.get())) {
            if (!originAllowed(origin.get())) {
                errors.write(ex, new ApiException(403, "origin '" + printable(origin.get()) + "' is not allowed; "
                        + "add it to HEARTH_ORIGINS to let that web page use Hearth"));
                return true;
            }
            ex.addHeader("Access-Control-Allow-Origin", origin.get());
            ex.addHeader("Vary", "Origin");
            if (ex.method().equals("OPTIONS") && ex.header("Access-Control-Request-Method").isPresent()) {
                ex.addHeader("Access-Control-Allow-Methods", ALLOW_METHODS);
                ex.addHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
                ex.addHeader("Access-Control-Max-Age", "600");
                ex.send(204, null, new byte[0]);
                return true;
            }
        }
        if (apiKey.isPresent() && !isProbe(ex) && !isWebPage(ex) && !ex.method().equals("OPTIONS") && !keyMatches(ex)) {
            ex.addHeader("WWW-Authenticate", "Bearer");
            errors.write(ex, new ApiException(401, "unauthorized: this server needs an API key "
                    + "(Authorization: Bearer <HEARTH_API_KEY>)"));
            return true;
        }
        return false;
    }

    /** {@code GET /} and {@code HEAD /} answer without a key: clients probe them to see if a server runs. */
    private static boolean isProbe(HttpExchange ex) {
        return ex.path().equals("/") && (ex.method().equals("GET") || ex.method().equals("HEAD"));
    }

    /** The web page's files ({@code GET /ui}, {@code /ui/...}): public, like the jar they come from. */
    private static boolean isWebPage(HttpExchange ex) {
        return (ex.method().equals("GET") || ex.method().equals("HEAD"))
                && (ex.path().equals("/ui") || ex.path().startsWith("/ui/"));
    }

    /** Whether {@code origin} is this server as the request reached it: {@code http://<Host>}, Host naming this machine. */
    boolean sameOrigin(HttpExchange ex, String origin) {
        String host = ex.header("Host").orElse("").strip().toLowerCase(Locale.ROOT);
        if (host.isEmpty() || !origin.strip().toLowerCase(Locale.ROOT).equals("http://" + host)) {
            return false;
        }
        String name = hostName(host);
        InetSocketAddress local = ex.localAddress();
        return name != null && namesThisMachine(name, local == null ? null : local.getAddress());
    }

    private boolean keyMatches(HttpExchange ex) {
        for (String value : ex.headers("Authorization")) {
            if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                byte[] given = value.substring(7).strip().getBytes(StandardCharsets.UTF_8);
                if (MessageDigest.isEqual(given, apiKey.get())) { // constant time: no timing oracle on the key
                    return true;
                }
            }
        }
        return false;
    }

    boolean hostAllowed(String hostHeader) {
        if (bound.isAnyLocalAddress()) {
            return true;
        }
        String name = hostName(hostHeader);
        return name != null && namesThisMachine(name, null);
    }

    /**
     * Whether a host name (from {@link #hostName}) can only mean this machine: localhost, the configured host,
     * or an address literal that is loopback, the bound address or {@code arrivedOn} (the connection's local
     * address, if known). Other names could be rebound to any address by their owner.
     */
    private boolean namesThisMachine(String name, InetAddress arrivedOn) {
        if (name.equals("localhost") || name.endsWith(".localhost") || name.equals(configuredHost)) {
            return true;
        }
        if (looksLikeIpLiteral(name)) {
            try {
                InetAddress a = InetAddress.getByName(name); // a literal: no DNS lookup happens
                return a.isLoopbackAddress() || a.equals(bound) || a.equals(arrivedOn);
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** The host part of a Host header, lowercased, without port or IPv6 brackets; null if malformed. */
    static String hostName(String header) {
        String h = header.strip().toLowerCase(Locale.ROOT);
        if (h.isEmpty()) {
            return null;
        }
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) {
                return null;
            }
            String rest = h.substring(close + 1);
            if (!rest.isEmpty() && !rest.matches(":\\d{1,5}")) {
                return null;
            }
            return h.substring(1, close);
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            if (h.indexOf(':', colon + 1) >= 0 || !h.substring(colon + 1).matches("\\d{1,5}")) {
                return null;
            }
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1); // "localhost." is the same name
        }
        return h.matches("[a-z0-9._-]+") ? h : null;
    }

    private static boolean looksLikeIpLiteral(String name) {
        return name.matches("[0-9.]+") || name.contains(":");
    }

    boolean originAllowed(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        for (Pattern p : origins) {
            if (p.matcher(o).matches()) {
                return true;
            }
        }
        return false;
    }

    /** An origin pattern as Ollama's OLLAMA_ORIGINS takes them: exact, or with {@code *} wildcards. */
    static Pattern originPattern(String pattern) {
        String[] parts = pattern.strip().toLowerCase(Locale.ROOT).split("\\*", -1);
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.toString());
    }

    private static String printable(String s) {
        String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** Writes an error in the shape of the API the request addressed. */
    @FunctionalInterface
    interface ErrorWriter {
        void write(HttpExchange ex, ApiException e) throws Exception;
    }
}
