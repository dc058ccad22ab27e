package dev.hearth.server.conversations;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Fields;
import dev.hearth.server.api.Json;
import dev.hearth.server.api.Query;
import dev.hearth.server.http.HttpExchange;
import dev.hearth.server.ollama.Responses;
import java.io.IOException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hearth's own API for the web page's saved chats:
 * <ul>
 *   <li>{@code GET /api/hearth/conversations[?q=words]}: {@code {"conversations": [summary...]}}, newest first,
 *       filtered by title;
 *   <li>{@code POST /api/hearth/conversations}: creates one (201) from an optional body;
 *   <li>{@code GET|PUT|PATCH|DELETE /api/hearth/conversations/{id}}: reads, replaces, updates some fields of,
 *       or deletes one.
 * </ul>
 * Bodies are at most {@link ConversationStore#MAX_BYTES}; see {@link ConversationFormat} for the shape.
 */
public final class ConversationEndpoints {
    private static final int MAX_QUERY = 200;

    private final ConversationStore store;

    /** @param store null when this server keeps no chats (every call is then a 404 that says so) */
    public ConversationEndpoints(ConversationStore store) {
        this.store = store;
    }

    public void list(HttpExchange ex) throws IOException {
        String q = Query.parameter(ex.rawQuery(), "q");
        if (q.length() > MAX_QUERY) {
            throw ApiException.badRequest("the search 'q' is longer than " + MAX_QUERY + " characters");
        }
        ObjectNode root = Json.object();
        ArrayNode list = root.putArray("conversations");
        store().list(q).forEach(list::add);
        Responses.json(ex, 200, root);
    }

    public void create(HttpExchange ex) throws IOException {
        byte[] body = ex.body(store().maxBytes());
        Fields req = body.length == 0 ? new Fields(Json.object()) : Fields.parse(body);
        Responses.json(ex, 201, store().create(req));
    }

    public void get(HttpExchange ex, String id) throws IOException {
        Responses.json(ex, 200, store().get(id));
    }

    public void replace(HttpExchange ex, String id) throws IOException {
        Responses.json(ex, 200, store().update(id, Fields.parse(ex.body(store().maxBytes())), true));
    }

    public void patch(HttpExchange ex, String id) throws IOException {
        Responses.json(ex, 200, store().update(id, Fields.parse(ex.body(store().maxBytes())), false));
    }

    public void delete(HttpExchange ex, String id) throws IOException {
        store().delete(id);
        Responses.json(ex, 200, Json.object());
    }

    private ConversationStore store() {
        if (store == null) {
            throw ApiException.notFound("this server does not save chats (it was started without a Hearth home directory)");
        }
        return store;
    }
}
