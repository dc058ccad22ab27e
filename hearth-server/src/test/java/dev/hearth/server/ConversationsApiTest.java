package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.store.ModelStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code /api/hearth/conversations}: the web page's chats, saved as files that survive a restart. */
class ConversationsApiTest {
    @TempDir
    Path dir;

    private HearthServer server;
    private Path conversations;

    @BeforeEach
    void start() throws Exception {
        conversations = dir.resolve("home").resolve("conversations");
        server = UiTestServer.start(ServerConfig.ephemeralLoopback().withConversations(conversations),
                new ModelCatalog(new ModelStore(dir.resolve("models"))));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RawHttp.Response call(String method, String path, String body) throws Exception {
        return RawHttp.request(server.port(), method, path, body);
    }

    private JsonNode ok(String method, String path, String body) throws Exception {
        RawHttp.Response r = call(method, path, body);
        assertThat(r.status()).as(method + " " + path + " -> " + r.body()).isBetween(200, 201);
        return Json.mapper().readTree(r.body());
    }

    private static final String CHAT = """
            {"title": "Soup", "model": "tiny:latest", "system": "Be brief.", "options": {"temperature": 0.3, "num_ctx": 2048},
             "messages": [{"role": "user", "content": "How do I make soup?", "created_at": "2025-01-01T10:00:00Z"},
                          {"role": "assistant", "content": "Boil water.", "model": "tiny:latest",
                           "stats": {"eval_count": 3, "eval_duration": 100000000}, "done_reason": "stop",
                           "unknown": {"dropped": true}}]}""";

    @Test
    void createReadListUpdateDelete() throws Exception {
        JsonNode created = ok("POST", "/api/hearth/conversations", CHAT);
        String id = created.get("id").asString();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(created.get("created_at").asString()).isEqualTo(created.get("updated_at").asString());
        assertThat(created.get("messages").get(1).get("stats").get("eval_count").asLong()).isEqualTo(3);
        assertThat(created.get("messages").get(1).has("unknown")).isFalse();
        assertThat(Files.exists(conversations.resolve(id + ".json"))).isTrue();

        JsonNode read = ok("GET", "/api/hearth/conversations/" + id, null);
        assertThat(read).isEqualTo(created);

        JsonNode list = ok("GET", "/api/hearth/conversations", null).get("conversations");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("title").asString()).isEqualTo("Soup");
        assertThat(list.get(0).get("messages").asInt()).isEqualTo(2);
        assertThat(list.get(0).has("system")).isFalse();

        Thread.sleep(5);
        JsonNode renamed = ok("PATCH", "/api/hearth/conversations/" + id, "{\"title\": \"  Tomato soup \\n\"}");
        assertThat(renamed.get("title").asString()).isEqualTo("Tomato soup");
        assertThat(renamed.get("system").asString()).isEqualTo("Be brief.");
        assertThat(renamed.get("messages")).hasSize(2);
        assertThat(renamed.get("updated_at").asString()).isNotEqualTo(created.get("updated_at").asString());
        assertThat(renamed.get("created_at").asString()).isEqualTo(created.get("created_at").asString());

        JsonNode replaced = ok("PUT", "/api/hearth/conversations/" + id,
                "{\"title\": \"Tomato soup\", \"model\": \"other:1b\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
        assertThat(replaced.get("system").asString()).isEmpty();
        assertThat(replaced.get("options")).isEmpty();
        assertThat(replaced.get("messages")).hasSize(1);

        assertThat(call("DELETE", "/api/hearth/conversations/" + id, null).status()).isEqualTo(200);
        assertThat(Files.exists(conversations.resolve(id + ".json"))).isFalse();
        assertThat(call("GET", "/api/hearth/conversations/" + id, null).status()).isEqualTo(404);
        assertThat(call("DELETE", "/api/hearth/conversations/" + id, null).status()).isEqualTo(404);
        assertThat(ok("GET", "/api/hearth/conversations", null).get("conversations")).isEmpty();
    }

    @Test
    void survivesARestartAndListsNewestFirstAndSearchesTitles() throws Exception {
        String a = ok("POST", "/api/hearth/conversations", "{\"title\": \"Python decorators\"}").get("id").asString();
        Thread.sleep(5);
        String b = ok("POST", "/api/hearth/conversations", "{\"title\": \"Bread recipe\"}").get("id").asString();
        Thread.sleep(5);
        String c = ok("POST", "/api/hearth/conversations", "{\"title\": \"Über Python\"}").get("id").asString();
        server.close();
        start();
        List<String> ids = ok("GET", "/api/hearth/conversations", null).get("conversations").valueStream()
                .map(n -> n.get("id").asString()).toList();
        assertThat(ids).containsExactly(c, b, a);
        JsonNode found = ok("GET", "/api/hearth/conversations?q=PYTHON", null).get("conversations");
        assertThat(found.valueStream().map(n -> n.get("id").asString())).containsExactly(c, a);
        assertThat(ok("GET", "/api/hearth/conversations?q=%C3%BCber+python", null).get("conversations")).hasSize(1);
        assertThat(ok("GET", "/api/hearth/conversations?q=nothing", null).get("conversations")).isEmpty();
        Thread.sleep(5);
        ok("PATCH", "/api/hearth/conversations/" + a, "{\"model\": \"x\"}");
        assertThat(ok("GET", "/api/hearth/conversations", null).get("conversations").get(0).get("id").asString()).isEqualTo(a);
    }

    @Test
    void idsThatAreNotIdsNeverTouchFiles() throws Exception {
        Files.createDirectories(conversations);
        Files.writeString(dir.resolve("home").resolve("secret.json"), "{\"title\": \"secret\"}");
        for (String id : List.of("..%2Fsecret", "../secret", "%2e%2e", "ABCDEF0123456789ABCDEF0123456789",
                "0123456789abcdef0123456789abcdef0", "0123456789abcdef0123456789abcde", "x", "0123456789abcdef0123456789abcdef/x")) {
            RawHttp.Response r = call("GET", "/api/hearth/conversations/" + id, null);
            assertThat(r.status()).as(id).isIn(400, 404);
            assertThat(r.body()).as(id).doesNotContain("secret\"");
            assertThat(call("DELETE", "/api/hearth/conversations/" + id, null).status()).as(id).isIn(400, 404);
        }
        assertThat(Files.exists(dir.resolve("home").resolve("secret.json"))).isTrue();
    }

    @Test
    void badBodiesAreRefusedWithReasons() throws Exception {
        for (String body : List.of("[]", "{\"title\": 5}", "{\"messages\": {}}", "{\"messages\": [{\"content\": \"x\"}]}",
                "{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}", "{\"options\": {\"temperature\": \"hot\"}}",
                "{\"options\": {\"num_ctx\": 0}}", "{\"title\": \"" + "t".repeat(201) + "\"}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\", \"stats\": {\"eval_count\": -1}}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\", \"done_reason\": \"<b>\"}]}")) {
            RawHttp.Response r = call("POST", "/api/hearth/conversations", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(Json.mapper().readTree(r.body()).get("error").asString()).as(body).isNotBlank();
        }
        assertThat(Files.exists(conversations)).isFalse();
        RawHttp.Response empty = call("POST", "/api/hearth/conversations", null);
        assertThat(empty.status()).isEqualTo(201);
        assertThat(Json.mapper().readTree(empty.body()).get("title").asString()).isEqualTo("New chat");
    }

    @Test
    void damagedFilesAreSkippedInTheListAndReportedWhenOpened() throws Exception {
        String id = ok("POST", "/api/hearth/conversations", CHAT).get("id").asString();
        String broken = "0123456789abcdef0123456789abcdef";
        Files.writeString(conversations.resolve(broken + ".json"), "{\"title\": ", StandardCharsets.UTF_8);
        Files.writeString(conversations.resolve("notes.json"), "{}");
        Files.writeString(conversations.resolve("." + id + ".json.tmp-1"), "partial");
        JsonNode list = ok("GET", "/api/hearth/conversations", null).get("conversations");
        assertThat(list.valueStream().map(n -> n.get("id").asString())).containsExactly(id);
        RawHttp.Response r = call("GET", "/api/hearth/conversations/" + broken, null);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).contains("not valid JSON");
    }

    @Test
    void chatsArePrivateToTheUserAndWrittenWhole() throws Exception {
        String id = ok("POST", "/api/hearth/conversations", CHAT).get("id").asString();
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(conversations))).isEqualTo("rwx------");
        }
        for (int i = 0; i < 5; i++) {
            ok("PUT", "/api/hearth/conversations/" + id, CHAT);
        }
        try (Stream<Path> files = Files.list(conversations)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(id + ".json");
        }
    }

    @Test
    void aServerWithoutAHomeDirectorySaysItKeepsNoChats() throws Exception {
        server.close();
        server = UiTestServer.start(ServerConfig.ephemeralLoopback(), new ModelCatalog(new ModelStore(dir.resolve("models"))));
        RawHttp.Response r = call("GET", "/api/hearth/conversations", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("does not save chats");
    }
}
