package dev.hearth.server.ui;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.http.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The chat page at {@code /ui/}: static files bundled in the jar under {@code ui/} on the class path, served
 * with their content type, an ETag (revalidated on every load, so an upgraded Hearth never runs a stale page)
 * and headers that keep the page to itself: a Content-Security-Policy allowing only this server's scripts,
 * styles and connections (no inline script, nothing from a CDN), {@code nosniff}, no framing, no referrer.
 *
 * <p>Paths are matched against a strict pattern before the class path is asked: segments of letters, digits,
 * '.', '_' and '-' that do not start with '.', ending in a known extension; so {@code ..}, hidden files,
 * directories and class files are all simply not found.
 */
public final class WebUi {
    /** The page's security policy; the page uses no inline script or style and talks only to this server. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    private static final String ROOT = "ui/";
    private static final int MAX_PATH = 200;
    private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*");
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("json", "application/json; charset=utf-8"),
            Map.entry("webmanifest", "application/manifest+json; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("md", "text/markdown; charset=utf-8"));

    private record Asset(byte[] bytes, String contentType, String etag) {}

    private final ClassLoader loader;
    /** The files never change while the server runs (they are in its jar): each is read once. */
    private final Map<String, Asset> cache = new ConcurrentHashMap<>();

    public WebUi() {
        this(WebUi.class.getClassLoader());
    }

    WebUi(ClassLoader loader) {
        this.loader = loader;
    }

    /** {@code GET /ui}: the page lives at {@code /ui/}, so that its relative links resolve under it. */
    public void redirect(HttpExchange ex) throws IOException {
        String query = ex.rawQuery();
        ex.addHeader("Location", "/ui/" + (query.isEmpty() ? "" : "?" + query));
        ex.addHeader("Cache-Control", "no-cache");
        ex.send(308, "text/plain; charset=utf-8", "See /ui/\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Serves {@code /ui/<path>}; the empty path is {@code index.html}.
     *
     * @param path the part after {@code /ui/}, percent-decoded
     */
    public void serve(HttpExchange ex, String path) throws IOException {
        String p = path.isEmpty() ? "index.html" : path;
        Asset a = asset(p).orElseThrow(() -> ApiException.notFound("no file '" + printable(p) + "' in Hearth's web page"));
        ex.addHeader("Cache-Control", "no-cache");
        ex.addHeader("ETag", a.etag);
        securityHeaders(ex);
        if (notModified(ex, a.etag)) {
            ex.send(304, null, new byte[0]);
            return;
        }
        ex.send(200, a.contentType, a.bytes);
    }

    /** Headers every response of the page carries. */
    static void securityHeaders(HttpExchange ex) {
        ex.addHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ex.addHeader("X-Content-Type-Options", "nosniff");
        ex.addHeader("X-Frame-Options", "DENY");
        ex.addHeader("Referrer-Policy", "no-referrer");
        ex.addHeader("Cross-Origin-Opener-Policy", "same-origin");
        ex.addHeader("Cross-Origin-Resource-Policy", "same-origin");
    }

    private static boolean notModified(HttpExchange ex, String etag) {
        for (String header : ex.headers("If-None-Match")) {
            for (String candidate : header.split(",")) {
                String c = candidate.strip();
                if (c.startsWith("W/")) {
                    c = c.substring(2);
                }
                if (c.equals(etag) || c.equals("*")) {
                    return true;
                }
            }
        }
        return false;
    }

    private Optional<Asset> asset(String path) throws IOException {
        if (path.length() > MAX_PATH || !SAFE_PATH.matcher(path).matches()) {
            return Optional.empty();
        }
        String type = TYPES.get(path.substring(path.lastIndexOf('.') + 1));
        if (type == null || path.lastIndexOf('.') < 0) {
            return Optional.empty();
        }
        Asset cached = cache.get(path);
        if (cached != null) {
            return Optional.of(cached);
        }
        byte[] bytes;
        try (InputStream in = loader.getResourceAsStream(ROOT + path)) {
            if (in == null) {
                return Optional.empty();
            }
            bytes = in.readAllBytes();
        }
        Asset a = new Asset(bytes, type, etag(bytes));
        cache.put(path, a);
        return Optional.of(a);
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(d, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String printable(String s) {
        String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
