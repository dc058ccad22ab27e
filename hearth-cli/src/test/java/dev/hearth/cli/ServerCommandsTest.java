package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.HearthServer;
import dev.hearth.server.ServerConfig;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.ModelStore;
import dev.hearth.store.testing.TestModels;
import dev.hearth.store.testing.TestRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI with a running server (it uses it) and without one (it works on its own). */
class ServerCommandsTest {
    @TempDir
    Path dir;

    private HearthServer server;
    private TestRegistry registry;
    private HearthSettings withServer;
    private HearthSettings withoutServer;

    @BeforeEach
    void start() throws Exception {
        registry = TestRegistry.start();
        registry.publish("library/tiny", "q8", TestModels.llamaQ8(), null, null, "{\"num_predict\":4}", null);
        Path serverModels = dir.resolve("server-models");
        server = HearthServer.start(ServerConfig.ephemeralLoopback(),
                new SchedulerConfig(1, 1, 4, Duration.ofMinutes(5), 256, 2, 1L << 30, Long.MAX_VALUE, 32),
                new ModelCatalog(new ModelStore(serverModels)), null);
        // The CLI's own store is elsewhere: whatever it sees of the server's models, it saw through the API.
        withServer = new HearthSettings(Map.of(HearthSettings.HOST, "127.0.0.1:" + server.port(),
                HearthSettings.MODELS, dir.resolve("cli-models").toString()), dir);
        withoutServer = new HearthSettings(Map.of(HearthSettings.HOST, "127.0.0.1:1",
                HearthSettings.MODELS, dir.resolve("cli-models").toString(), HearthSettings.CONTEXT_LENGTH, "256",
                HearthSettings.NUM_THREADS, "2"), dir);
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    private ModelCommandsTest.Result hearth(HearthSettings s, String... args) {
        return ModelCommandsTest.hearth(s, args);
    }

    private ModelCommandsTest.Result hearthWithStdin(HearthSettings s, String stdin, String... args) {
        InputStream old = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            return hearth(s, args);
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void modelCommandsGoThroughTheRunningServer() {
        String name = registry.name("library/tiny", "q8");
        ModelCommandsTest.Result pull = hearth(withServer, "pull", "--insecure", name);
        assertThat(pull.exitCode()).as(pull.err()).isZero();
        ModelCommandsTest.Result list = hearth(withServer, "list");
        assertThat(list.out()).contains(name);
        assertThat(hearth(withoutServer, "list").out()).doesNotContain(name); // the CLI's own store is untouched
        ModelCommandsTest.Result show = hearth(withServer, "show", name);
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).contains("llama");
        assertThat(hearth(withServer, "cp", name, "copy").exitCode()).isZero();
        assertThat(hearth(withServer, "list").out()).contains("copy:latest");
        assertThat(hearth(withServer, "rm", "copy").exitCode()).isZero();
        assertThat(hearth(withServer, "list").out()).doesNotContain("copy:latest");
    }

    @Test
    void runPsAndStopWithTheServer() {
        String name = registry.name("library/tiny", "q8");
        ModelCommandsTest.Result run = hearthWithStdin(withServer, "", "run", "--insecure", name, "Hello");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isNotBlank(); // pulled, loaded, answered (4 tokens: the model's num_predict)
        ModelCommandsTest.Result ps = hearth(withServer, "ps");
        assertThat(ps.out()).contains(name).contains("minutes from now");
        assertThat(hearth(withServer, "stop", name).exitCode()).isZero();
        assertThat(hearth(withServer, "ps").out()).doesNotContain(name);
        ModelCommandsTest.Result again = hearth(withServer, "stop", name);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("not loaded");
    }

    @Test
    void psWithoutTheServersApiKeyPrintsOnlyTheError() throws Exception {
        try (HearthServer locked = HearthServer.start(ServerConfig.ephemeralLoopback().withApiKey("secret-key"),
                new SchedulerConfig(1, 1, 4, Duration.ofMinutes(5), 256, 2, 1L << 30, Long.MAX_VALUE, 32),
                new ModelCatalog(new ModelStore(dir.resolve("locked-models"))), null)) {
            for (Map<String, String> key : List.of(Map.<String, String>of(), Map.of(HearthSettings.API_KEY, "wrong"))) {
                Map<String, String> env = new java.util.HashMap<>(key);
                env.put(HearthSettings.HOST, "127.0.0.1:" + locked.port());
                env.put(HearthSettings.MODELS, dir.resolve("cli-models").toString());
                ModelCommandsTest.Result ps = hearth(new HearthSettings(env, dir), "ps");
                assertThat(ps.exitCode()).as(ps.err()).isEqualTo(1);
                assertThat(ps.out()).as("stdout with " + key).isEmpty();
                assertThat(ps.err()).startsWith("hearth: ").hasLineCount(1);
            }
            ModelCommandsTest.Result ok = hearth(new HearthSettings(Map.of(HearthSettings.HOST, "127.0.0.1:" + locked.port(),
                    HearthSettings.MODELS, dir.resolve("cli-models").toString(), HearthSettings.API_KEY, "secret-key"), dir), "ps");
            assertThat(ok.exitCode()).as(ok.err()).isZero();
            assertThat(ok.out()).startsWith("NAME");
        }
    }

    @Test
    void runWorksWithoutAServer() throws Exception {
        dev.hearth.store.library.LocalModelLibrary lib = new dev.hearth.store.library.LocalModelLibrary(
                new ModelStore(dir.resolve("cli-models")), dev.hearth.store.pull.PullOptions.defaults().withInsecure(true),
                0, 256, w -> {});
        lib.pull(registry.name("library/tiny", "q8"), true, dev.hearth.store.Progress.NONE);
        ModelCommandsTest.Result run = hearthWithStdin(withoutServer, "Tell me a story", "run", registry.name("library/tiny", "q8"));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isNotBlank();
        ModelCommandsTest.Result ps = hearth(withoutServer, "ps");
        assertThat(ps.exitCode()).isZero();
        assertThat(ps.err()).contains("no Hearth server");
    }
}
