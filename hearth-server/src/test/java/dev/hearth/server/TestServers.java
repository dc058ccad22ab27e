package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.ModelStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

final class TestServers {
    private TestServers() {}

    /** One model, one sequence, small contexts and two threads: what the shared CI machine can afford. */
    static SchedulerConfig schedulerConfig() {
        return new SchedulerConfig(1, 1, 8, Duration.ofMinutes(5), 512, 2, 1L << 30, Long.MAX_VALUE, 64);
    }

    /** A server on a free loopback port whose store under {@code dir} holds llama3-Q8_0 as "tiny". */
    static HearthServer withTinyModel(Path dir) throws IOException {
        ModelStore store = new ModelStore(dir.resolve("models"));
        TestStores.install(store, "tiny", TestStores.model("llama3-Q8_0.gguf"), null, null, null);
        return HearthServer.start(ServerConfig.ephemeralLoopback(), schedulerConfig(), new ModelCatalog(store), null);
    }

    /**
     * Two embeddings of the same text, element by element within 1e-6. Not exact: the Vector API's lane
     * reduction adds in another order once C2 compiles a kernel, so the last bit can change as the JVM warms up.
     */
    static void assertSameEmbedding(JsonNode actual, JsonNode expected) {
        assertThat(actual).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).asDouble()).as("element %d", i).isCloseTo(expected.get(i).asDouble(), within(1e-6));
        }
    }
}
