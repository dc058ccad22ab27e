package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.config.HearthSettings;
import dev.hearth.store.ModelStore;
import dev.hearth.store.testing.TestModels;
import dev.hearth.store.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearth pull} as separate processes: one killed with SIGKILL in the middle of a blob (nothing is
 * listed, no blob is half-present, the next pull resumes from what it had saved), and two pulling the same
 * model at the same time (the blob is downloaded once; the second process waits for the first).
 */
@Tag("slow")
class PullProcessTest {

    @TempDir
    Path dir;

    @Test
    void killedPullLeavesTheStoreConsistentAndResumes() throws Exception {
        try (TestRegistry registry = TestRegistry.start()) {
            TestRegistry.Published tiny = registry.publish("library/tiny", "q8", TestModels.llamaQ8(), TestModels.TEMPLATE,
                    null, null, null);
            long size = tiny.manifest().modelLayer().orElseThrow().size();
            registry.throttleBytesPerSecond = 400_000;
            Path models = dir.resolve("models");
            ModelStore store = new ModelStore(models);

            Process p = hearthProcess(models, dir.resolve("pull.log"), "pull", "--insecure",
                    registry.name("library/tiny", "q8"));
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                // wait until part of the blob is saved and recorded in the resume record
                while (System.nanoTime() < deadline
                        && !(registry.bytesServed(tiny.modelDigest()) > size / 3
                                && Files.exists(store.partialStatePath(tiny.modelDigest()))
                                && dev.hearth.store.pull.ResumeProbe.saved(store, tiny) > 0)) {
                    assertThat(p.isAlive()).as(Files.exists(dir.resolve("pull.log"))
                            ? Files.readString(dir.resolve("pull.log")) : "").isTrue();
                    Thread.sleep(50);
                }
            } finally {
                p.destroyForcibly();
                p.waitFor();
            }
            long saved = dev.hearth.store.pull.ResumeProbe.saved(store, tiny);
            assertThat(saved).as("bytes recorded by the killed pull").isPositive().isLessThan(size);
            assertThat(store.list(w -> {})).isEmpty();
            assertThat(store.blobPath(tiny.modelDigest())).doesNotExist();

            // The registry may still be writing into the killed pull's socket for a moment (until the reset
            // reaches it): wait until its count stands still before taking it as the starting point.
            long servedBefore = registry.bytesServed(tiny.modelDigest());
            for (int still = 0; still < 5; ) {
                Thread.sleep(100);
                long now = registry.bytesServed(tiny.modelDigest());
                still = now == servedBefore ? still + 1 : 0;
                servedBefore = now;
            }
            registry.throttleBytesPerSecond = 0;
            HearthSettings settings = new HearthSettings(Map.of(HearthSettings.MODELS, models.toString()), dir);
            ModelCommandsTest.Result r = ModelCommandsTest.hearth(settings, "pull", "--insecure",
                    registry.name("library/tiny", "q8"));
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(registry.bytesServed(tiny.modelDigest()) - servedBefore).isEqualTo(size - saved);
            assertThat(store.list(w -> {})).hasSize(1);
            assertThat(Files.readAllBytes(store.blobPath(tiny.modelDigest())))
                    .isEqualTo(tiny.blobs().get(tiny.modelDigest()));
            try (var files = Files.list(store.blobsDir())) {
                assertThat(files.map(f -> f.getFileName().toString()).toList())
                        .noneMatch(n -> n.contains("partial") || n.contains(".tmp-"));
            }
            assertThat(List.of(r.out())).anyMatch(o -> o.contains("success"));
        }
    }

    @Test
    void twoProcessesPullingTheSameModelDownloadItOnce() throws Exception {
        try (TestRegistry registry = TestRegistry.start()) {
            TestRegistry.Published tiny = registry.publish("library/tiny", "q8", TestModels.llamaQ8(), null, null,
                    null, null);
            long size = tiny.manifest().modelLayer().orElseThrow().size();
            registry.throttleBytesPerSecond = 600_000; // about 6 s for the model blob: the two pulls overlap
            Path models = dir.resolve("models");
            Process a = hearthProcess(models, dir.resolve("a.log"), "pull", "--insecure", registry.name("library/tiny", "q8"));
            Process b = hearthProcess(models, dir.resolve("b.log"), "pull", "--insecure", registry.name("library/tiny", "q8"));
            try {
                assertThat(a.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(b.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } finally {
                a.destroyForcibly();
                b.destroyForcibly();
            }
            String logs = Files.readString(dir.resolve("a.log")) + Files.readString(dir.resolve("b.log"));
            assertThat(a.exitValue()).as(logs).isZero();
            assertThat(b.exitValue()).as(logs).isZero();
            assertThat(logs).contains("waiting for another Hearth process that is downloading");
            assertThat(registry.bytesServed(tiny.modelDigest())).isEqualTo(size);
            ModelStore store = new ModelStore(models);
            assertThat(store.list(w -> {})).hasSize(1);
            assertThat(Files.readAllBytes(store.blobPath(tiny.modelDigest()))).isEqualTo(tiny.blobs().get(tiny.modelDigest()));
        }
    }

    /** Starts {@code hearth ARGS} as a separate JVM with HEARTH_MODELS set, output to {@code log}. */
    static Process hearthProcess(Path models, Path log, String... args) throws java.io.IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put(HearthSettings.MODELS, models.toString());
        return pb.start();
    }
}
