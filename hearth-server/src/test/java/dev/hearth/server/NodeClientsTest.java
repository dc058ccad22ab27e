package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.hearth.server.models.ModelCatalog;
import dev.hearth.store.ModelStore;
import dev.hearth.store.testing.TestModels;
import dev.hearth.store.testing.TestRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the official npm clients, {@code ollama} (ollama-js) and {@code openai} (openai-node), unmodified,
 * against a real server: {@code src/test/node/*.test.mjs} with {@code node --test}. The packages are pinned in
 * {@code src/test/node/package-lock.json}; {@code .ci/run} installs them with {@code npm ci} (run it yourself
 * once before {@code ./mvnw verify}).
 */
@Tag("slow")
class NodeClientsTest {
    private static final Path NODE_DIR = Path.of("src", "test", "node");

    @TempDir
    Path dir;

    @Test
    void officialClientsWorkUnmodified() throws Exception {
        String node = findNode();
        Assumptions.assumeTrue(node != null, "node is not installed: skipping the ollama/openai npm client tests");
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules").resolve("ollama"))
                || !Files.isDirectory(NODE_DIR.resolve("node_modules").resolve("openai"))) {
            fail("the npm clients are not installed: run `npm ci` in " + NODE_DIR.toAbsolutePath()
                    + " (.ci/run does this in CI)");
        }
        ModelStore store = new ModelStore(dir.resolve("models"));
        TestStores.install(store, "tiny", TestStores.model("llama3-Q8_0.gguf"), null, null, null);
        int parallel = 4;
        int queue = 4;
        try (TestRegistry registry = TestRegistry.start()) {
            registry.publish("library/tiny", "q8", TestModels.llamaQ8(), null, TestModels.SYSTEM, TestModels.PARAMS,
                    TestModels.LICENSE);
            try (HearthServer server = HearthServer.start(ServerConfig.ephemeralLoopback(),
                    TestServers.schedulerConfig().withParallel(parallel).withQueue(queue), new ModelCatalog(store), null)) {
                Path output = dir.resolve("node-output.txt");
                ProcessBuilder pb = new ProcessBuilder(node, "--test", "--test-concurrency=1", "ollama.test.mjs",
                        "openai.test.mjs")
                        .directory(NODE_DIR.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
                pb.environment().put("HEARTH_URL", server.baseUrl());
                pb.environment().put("HEARTH_MODEL", "tiny");
                pb.environment().put("HEARTH_PULL_MODEL", registry.name("library/tiny", "q8"));
                pb.environment().put("HEARTH_CAPACITY", Integer.toString(parallel + queue));
                Process p = pb.start();
                boolean finished = p.waitFor(10, TimeUnit.MINUTES);
                if (!finished) {
                    p.destroyForcibly();
                }
                String out = Files.readString(output, StandardCharsets.UTF_8);
                System.out.println(out);
                assertThat(finished).as("node tests finished in time").isTrue();
                assertThat(p.exitValue()).as("node --test exit status; output:\n" + out).isZero();
                assertThat(out).contains("# fail 0").doesNotContain("# pass 0");
            }
        }
    }

    /** The node binary on PATH, or null. */
    private static String findNode() {
        for (String candidate : List.of("node", "nodejs")) {
            try {
                Process p = new ProcessBuilder(candidate, "--version").redirectErrorStream(true).start();
                String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && v.startsWith("v")) {
                    return candidate;
                }
            } catch (IOException e) {
                // not this one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
