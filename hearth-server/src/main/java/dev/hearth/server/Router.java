package dev.hearth.server;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.http.HttpExchange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps method and path to a handler: exact paths, and prefixes whose remainder is a parameter (the model id
 * in {@code /v1/models/{id}}, which may itself contain '/'). HEAD is served by the GET handler (the protocol
 * layer drops the body). Unknown paths are 404, known paths with another method 405.
 */
final class Router {

    /** A handler that receives the path remainder after its prefix (empty for exact routes). */
    @FunctionalInterface
    interface Route {
        void handle(HttpExchange ex, String rest) throws Exception;
    }

    private record Prefix(String method, String prefix, Route route) {}

    private final Map<String, Map<String, Route>> exact = new LinkedHashMap<>();
    private final List<Prefix> prefixes = new ArrayList<>();

    Router add(String method, String path, Route route) {
        exact.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, route);
        return this;
    }

    Router addPrefix(String method, String prefix, Route route) {
        prefixes.add(new Prefix(method, prefix, route));
        return this;
    }

    void dispatch(HttpExchange ex) throws Exception {
        String method = ex.method().equals("HEAD") ? "GET" : ex.method();
        String path = ex.path();
        Map<String, Route> byMethod = exact.get(path);
        if (byMethod == null && path.length() > 1 && path.endsWith("/")) {
            byMethod = exact.get(path.substring(0, path.length() - 1)); // "/api/tags/" is "/api/tags"
        }
        Set<String> allowed = new LinkedHashSet<>();
        if (byMethod != null) {
            Route r = byMethod.get(method);
            if (r == null && ex.method().equals("HEAD")) {
                r = byMethod.get("HEAD");
            }
            if (r != null) {
                r.handle(ex, "");
                return;
            }
            allowed.addAll(byMethod.keySet());
        }
        for (Prefix p : prefixes) {
            if (path.startsWith(p.prefix) && path.length() > p.prefix.length()) {
                if (p.method.equals(method) || p.method.equals(ex.method())) {
                    p.route.handle(ex, path.substring(p.prefix.length()));
                    return;
                }
                allowed.add(p.method);
            }
        }
        if (allowed.isEmpty()) {
            throw ApiException.notFound(ex.method() + " " + printable(path) + " is not a Hearth API endpoint");
        }
        if (allowed.contains("GET")) {
            allowed.add("HEAD");
        }
        allowed.add("OPTIONS");
        ex.addHeader("Allow", String.join(", ", allowed));
        throw new ApiException(405, ex.method() + " is not allowed on " + printable(path) + "; use " + String.join(" or ", allowed));
    }

    private static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
