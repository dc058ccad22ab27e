package dev.hearth.server.conversations;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Fields;
import dev.hearth.server.api.Json;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shape of a saved chat, checked field by field. Whatever a client sends (or a hand-edited file holds) is
 * rebuilt from the fields below only, each with its type and bound; anything else is dropped, so a stored
 * conversation never carries arbitrary JSON back to the page.
 *
 * <pre>
 * {"id": "32 hex digits", "title": "...", "model": "llama3.2:latest", "system": "...",
 *  "options": {"temperature": 0.7, "num_ctx": 4096, ...},
 *  "created_at": "2025-01-01T00:00:00Z", "updated_at": "...",
 *  "messages": [{"role": "user"|"assistant"|"system", "content": "...", "model": "...", "created_at": "...",
 *                "stats": {"eval_count": 12, "eval_duration": 345000000, ...},
 *                "done_reason": "stop", "stopped": true, "error": "..."}]}
 * </pre>
 */
final class ConversationFormat {
    private ConversationFormat() {}

    static final int MAX_TITLE = 200;
    static final int MAX_MODEL_NAME = 400;
    static final int MAX_SYSTEM = 256 * 1024;
    static final int MAX_MESSAGES = 10_000;
    static final int MAX_ERROR = 4000;
    static final int MAX_TIMESTAMP = 64;
    static final String DEFAULT_TITLE = "New chat";

    private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
    private static final Set<String> ROLES = Set.of("user", "assistant", "system");
    private static final List<String> STATS = List.of("total_duration", "load_duration", "prompt_eval_count",
            "prompt_eval_duration", "eval_count", "eval_duration");
    private static final Pattern DONE_REASON = Pattern.compile("[a-z_]{1,32}");

    /** Whether {@code id} is a conversation id: exactly 32 lowercase hex digits, so never a path. */
    static boolean validId(String id) {
        return ID.matcher(id).matches();
    }

    /** Title, model, system and options from a request; absent fields are absent in the result. */
    static ObjectNode header(Fields req) {
        ObjectNode out = Json.object();
        req.string("title").ifPresent(t -> out.put("title", title(t)));
        req.string("model").ifPresent(m -> out.put("model", bounded(req, "model", m, MAX_MODEL_NAME)));
        req.string("system").ifPresent(s -> out.put("system", bounded(req, "system", s, MAX_SYSTEM)));
        req.object("options").ifPresent(o -> out.set("options", options(o)));
        return out;
    }

    /** A title as shown in the list: one line, trimmed, not empty, at most {@link #MAX_TITLE} characters. */
    static String title(String raw) {
        String t = raw.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
        if (t.isEmpty()) {
            return DEFAULT_TITLE;
        }
        if (t.length() > MAX_TITLE) {
            throw ApiException.badRequest("'title' is longer than " + MAX_TITLE + " characters");
        }
        return t;
    }

    /** Generation options a chat keeps; the ones Hearth's page sets, plus the common Ollama sampling options. */
    static ObjectNode options(Fields o) {
        ObjectNode out = Json.object();
        number(o, out, "temperature", 0, 100);
        number(o, out, "top_p", 0, 1);
        number(o, out, "min_p", 0, 1);
        number(o, out, "repeat_penalty", 0, 100);
        integer(o, out, "num_ctx", 1, 1 << 24);
        integer(o, out, "num_predict", -2, 1 << 24);
        integer(o, out, "top_k", 0, 1 << 20);
        integer(o, out, "seed", Integer.MIN_VALUE, Integer.MAX_VALUE);
        return out;
    }

    private static void number(Fields o, ObjectNode out, String name, double min, double max) {
        OptionalDouble v = o.number(name, min, max);
        if (v.isPresent()) {
            out.put(name, v.getAsDouble());
        }
    }

    private static void integer(Fields o, ObjectNode out, String name, long min, long max) {
        OptionalLong v = o.integer(name, min, max);
        if (v.isPresent()) {
            out.put(name, v.getAsLong());
        }
    }

    /** The messages of a request, each rebuilt from its known fields. */
    static ArrayNode messages(Fields req) {
        ArrayNode out = Json.array();
        Optional<List<Fields>> list = req.objects("messages", MAX_MESSAGES);
        if (list.isEmpty()) {
            return out;
        }
        for (Fields m : list.get()) {
            ObjectNode msg = out.addObject();
            String role = m.requiredString("role");
            if (!ROLES.contains(role)) {
                throw ApiException.badRequest("'" + m.path("role") + "' must be user, assistant or system, got '"
                        + printable(role) + "'");
            }
            msg.put("role", role);
            msg.put("content", m.string("content").orElse(""));
            m.string("model").ifPresent(v -> msg.put("model", bounded(m, "model", v, MAX_MODEL_NAME)));
            m.string("created_at").ifPresent(v -> msg.put("created_at", bounded(m, "created_at", v, MAX_TIMESTAMP)));
            m.object("stats").ifPresent(s -> {
                ObjectNode stats = msg.putObject("stats");
                for (String name : STATS) {
                    OptionalLong v = s.integer(name, 0, Long.MAX_VALUE);
                    if (v.isPresent()) {
                        stats.put(name, v.getAsLong());
                    }
                }
            });
            m.string("done_reason").ifPresent(v -> {
                if (!DONE_REASON.matcher(v).matches()) {
                    throw ApiException.badRequest("'" + m.path("done_reason") + "' must be a short lowercase word");
                }
                msg.put("done_reason", v);
            });
            if (m.bool("stopped", false)) {
                msg.put("stopped", true);
            }
            m.string("error").ifPresent(v -> msg.put("error", bounded(m, "error", v, MAX_ERROR)));
        }
        return out;
    }

    private static String bounded(Fields f, String name, String value, int max) {
        if (value.length() > max) {
            throw ApiException.badRequest("'" + f.path(name) + "' is longer than " + max + " characters");
        }
        return value;
    }

    static String printable(String s) {
        String t = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
