package dev.hearth.server.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Parameters of a request's query string ({@code ?q=some+words&x=1}). */
public final class Query {
    private Query() {}

    /**
     * The decoded value of the first {@code name=} parameter ({@code +} is a space, as browsers encode forms);
     * empty if absent. A malformed percent-escape is a 400.
     */
    public static String parameter(String rawQuery, String name) {
        if (rawQuery.isEmpty()) {
            return "";
        }
        for (String part : rawQuery.split("&")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (key.equals(name)) {
                try {
                    return eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("malformed percent-escape in the query parameter '" + name + "'");
                }
            }
        }
        return "";
    }
}
