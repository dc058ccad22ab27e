package dev.hearth.store.pull;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code WWW-Authenticate} challenge (RFC 9110 section 11.6.1), e.g.
 * {@code Bearer realm="https://ollama.com/token",service="ollama.com",scope="repository:library/llama3:pull"}.
 *
 * @param scheme the auth scheme in lower case ("bearer", "basic")
 * @param params parameter names in lower case, values unquoted
 */
record AuthChallenge(String scheme, Map<String, String> params) {

    private static final int MAX_HEADER_LENGTH = 8192;

    /** Parses the first challenge of a header value; returns null if it cannot be parsed. */
    static AuthChallenge parse(String header) {
        if (header == null || header.length() > MAX_HEADER_LENGTH) {
            return null;
        }
        String s = header.strip();
        int sp = 0;
        while (sp < s.length() && isTokenChar(s.charAt(sp))) {
            sp++;
        }
        if (sp == 0) {
            return null;
        }
        String scheme = s.substring(0, sp).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        int i = sp;
        while (i < s.length()) {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == ',' || s.charAt(i) == '\t')) {
                i++;
            }
            int keyStart = i;
            while (i < s.length() && isTokenChar(s.charAt(i))) {
                i++;
            }
            if (i == keyStart || i >= s.length() || s.charAt(i) != '=') {
                break;
            }
            String key = s.substring(keyStart, i).toLowerCase(Locale.ROOT);
            i++;
            StringBuilder value = new StringBuilder();
            if (i < s.length() && s.charAt(i) == '"') {
                i++;
                while (i < s.length() && s.charAt(i) != '"') {
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < s.length()) {
                        c = s.charAt(++i);
                    }
                    value.append(c);
                    i++;
                }
                if (i >= s.length()) {
                    return null; // unterminated quote
                }
                i++;
            } else {
                // Unquoted values are tokens in the RFC; be lenient and take everything up to the next comma.
                while (i < s.length() && s.charAt(i) != ',' && s.charAt(i) > 0x20 && s.charAt(i) < 0x7f) {
                    value.append(s.charAt(i++));
                }
            }
            params.putIfAbsent(key, value.toString());
        }
        return new AuthChallenge(scheme, Map.copyOf(params));
    }

    String param(String name) {
        return params.get(name);
    }

    private static boolean isTokenChar(char c) {
        return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={} ".indexOf(c) < 0;
    }
}
