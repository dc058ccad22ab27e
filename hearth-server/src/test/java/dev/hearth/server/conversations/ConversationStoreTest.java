package dev.hearth.server.conversations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Fields;
import dev.hearth.server.api.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

class ConversationStoreTest {
    @TempDir
    Path dir;

    private static Fields body(String json) {
        return Fields.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void chatsLargerThanTheLimitAreRefusedAndTheOldOneKept() {
        ConversationStore store = new ConversationStore(dir, 2000, 100);
        String id = store.create(body("{\"title\": \"small\"}")).get("id").asString();
        String big = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(3000) + "\"}]}";
        assertThatThrownBy(() -> store.update(id, body(big), true))
                .isInstanceOf(ApiException.class).hasMessageContaining("larger than 2000 bytes")
                .extracting(e -> ((ApiException) e).status()).isEqualTo(413);
        assertThat(store.get(id).get("title").asString()).isEqualTo("small");
        assertThatThrownBy(() -> store.create(body(big))).isInstanceOf(ApiException.class);
        assertThat(store.list(null)).hasSize(1);
    }

    @Test
    void theNumberOfChatsIsBounded() {
        ConversationStore store = new ConversationStore(dir, 1 << 20, 3);
        for (int i = 0; i < 3; i++) {
            store.create(body("{}"));
        }
        assertThatThrownBy(() -> store.create(body("{}"))).isInstanceOf(ApiException.class)
                .hasMessageContaining("delete some").extracting(e -> ((ApiException) e).status()).isEqualTo(507);
    }

    @Test
    void concurrentUpdatesLeaveOneWholeChat() throws Exception {
        ConversationStore store = new ConversationStore(dir, 1 << 20, 100);
        String id = store.create(body("{}")).get("id").asString();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<ObjectNode>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String json = "{\"title\": \"t" + i + "\", \"messages\": [{\"role\": \"user\", \"content\": \"" + "m".repeat(i * 100) + "\"}]}";
                results.add(pool.submit(() -> store.update(id, body(json), true)));
            }
            for (Future<ObjectNode> f : results) {
                f.get();
            }
        }
        ObjectNode last = store.get(id);
        int n = Integer.parseInt(last.get("title").asString().substring(1));
        assertThat(last.get("messages").get(0).get("content").asString()).hasSize(n * 100);
        assertThat(store.list(null)).hasSize(1);
    }

    @Test
    void aHandEditedFileIsReadBackThroughTheSameChecks() throws Exception {
        ConversationStore store = new ConversationStore(dir, 1 << 20, 100);
        String id = "00112233445566778899aabbccddeeff";
        java.nio.file.Files.writeString(dir.resolve(id + ".json"), """
                {"title": "edited", "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-02T00:00:00Z",
                 "messages": [{"role": "assistant", "content": "hi", "onclick": "x"}], "extra": 1}""");
        ObjectNode c = store.get(id);
        assertThat(c.get("id").asString()).isEqualTo(id);
        assertThat(c.get("messages").get(0).has("onclick")).isFalse();
        assertThat(c.has("extra")).isFalse();
        assertThat(Json.write(store.list("EDIT").getFirst())).contains("\"messages\":1");
        java.nio.file.Files.writeString(dir.resolve(id + ".json"), "{\"messages\": [{\"role\": \"wizard\"}]}");
        assertThatThrownBy(() -> store.get(id)).hasMessageContaining("damaged").hasMessageContaining("wizard");
    }
}
