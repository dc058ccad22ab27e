package dev.hearth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    @TempDir
    Path dir;

    private Manifest install(ModelStore store, String name, String... contents) throws Exception {
        try (BlobPins pins = store.newPins()) {
            Layer config = store.putBlob(("{\"model_format\":\"gguf\",\"n\":\"" + name + "\"}")
                    .getBytes(StandardCharsets.UTF_8), MediaTypes.CONFIG, pins);
            List<Layer> layers = new ArrayList<>();
            layers.add(store.putBlob(contents[0].getBytes(StandardCharsets.UTF_8), MediaTypes.MODEL, pins));
            for (int i = 1; i < contents.length; i++) {
                layers.add(store.putBlob(contents[i].getBytes(StandardCharsets.UTF_8), MediaTypes.TEMPLATE, pins));
            }
            Manifest m = Manifest.of(config, layers);
            store.commitManifest(ModelName.parse(name), m.toJson());
            return m;
        }
    }

    @Test
    void emptyOrMissingStoreListsNothingAndWritesNothing() throws Exception {
        ModelStore store = new ModelStore(dir.resolve("nope"));
        assertThat(store.list(w -> {})).isEmpty();
        assertThat(store.find(ModelName.parse("x"))).isEmpty();
        assertThatThrownBy(() -> store.get(ModelName.parse("x")))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessage("model 'x:latest' not found; pull it with 'hearth pull x:latest'");
        assertThat(dir.resolve("nope")).doesNotExist();
    }

    @Test
    void installListFindAndLayout() throws Exception {
        ModelStore store = new ModelStore(dir);
        Manifest m = install(store, "tiny:q8", "weights", "template");
        Path manifest = dir.resolve("manifests/registry.ollama.ai/library/tiny/q8");
        assertThat(manifest).isRegularFile();
        for (Layer l : m.blobs()) {
            assertThat(dir.resolve("blobs/sha256-" + l.digest().hex())).hasContent(
                    new String(Files.readAllBytes(store.blobPath(l.digest())), StandardCharsets.UTF_8));
        }
        List<StoredModel> all = store.list(w -> {});
        assertThat(all).extracting(s -> s.name().displayShortest()).containsExactly("tiny:q8");
        StoredModel s = all.getFirst();
        assertThat(s.id()).hasSize(12).isEqualTo(Digest.of(ModelStore.sha256().digest(Files.readAllBytes(manifest))).shortHex());
        assertThat(s.size()).isEqualTo(m.totalSize());
        assertThat(store.find(ModelName.parse("TINY:Q8"))).get().extracting(StoredModel::name)
                .isEqualTo(ModelName.parse("tiny:q8"));
        // nothing but blobs, manifests and the lock file
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("blobs", "manifests", ".hearth-lock");
        }
        try (var files = Files.list(dir.resolve("blobs"))) {
            assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> Digest.fromFileName(n) != null);
        }
    }

    @Test
    void commitRefusesManifestWithMissingBlob() throws Exception {
        ModelStore store = new ModelStore(dir);
        Layer config = store.putBlob("{}".getBytes(), MediaTypes.CONFIG, store.newPins());
        Layer ghost = new Layer(MediaTypes.MODEL, Digest.parse("sha256:" + "d".repeat(64)), 5);
        assertThatThrownBy(() -> store.commitManifest(ModelName.parse("g"), Manifest.of(config, List.of(ghost)).toJson()))
                .hasMessageContaining("blob sha256:dddd").hasMessageContaining("missing");
        assertThat(store.list(w -> {})).isEmpty();
    }

    @Test
    void removeKeepsSharedBlobsAndPrunesDirectories() throws Exception {
        ModelStore store = new ModelStore(dir);
        Manifest a = install(store, "a:1", "shared weights", "template a");
        Manifest b = install(store, "me/b:1", "shared weights", "template b");
        Layer shared = a.modelLayer().orElseThrow();
        assertThat(b.modelLayer()).contains(shared);

        store.delete(ModelName.parse("a:1"));
        assertThat(store.list(w -> {})).extracting(m -> m.name().displayShortest()).containsExactly("me/b:1");
        assertThat(store.blobPath(shared.digest())).exists();
        assertThat(store.blobPath(a.layers().get(1).digest())).doesNotExist();
        assertThat(store.blobPath(a.config().digest())).doesNotExist();
        assertThat(dir.resolve("manifests/registry.ollama.ai/library")).doesNotExist();
        assertThat(dir.resolve("manifests/registry.ollama.ai/me/b/1")).exists();

        store.delete(ModelName.parse("me/b:1"));
        assertThat(store.blobPath(shared.digest())).doesNotExist();
        try (var files = Files.list(dir.resolve("blobs"))) {
            assertThat(files).isEmpty();
        }
        assertThatThrownBy(() -> store.delete(ModelName.parse("me/b:1"))).isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void blobsMentionedByUnparsableManifestsSurvive() throws Exception {
        ModelStore store = new ModelStore(dir);
        Manifest a = install(store, "a", "weights");
        Path foreign = dir.resolve("manifests/registry.ollama.ai/library/skill/x/latest");
        Files.createDirectories(foreign.getParent());
        Files.writeString(foreign, "{\"future\":\"" + a.modelLayer().orElseThrow().digest() + "\"}");
        store.delete(ModelName.parse("a"));
        assertThat(store.blobPath(a.modelLayer().orElseThrow().digest())).exists();
        assertThat(store.blobPath(a.config().digest())).doesNotExist();
    }

    @Test
    void copySharesBlobsAndReplacingAManifestCollectsItsOldBlobs() throws Exception {
        ModelStore store = new ModelStore(dir);
        Manifest v1 = install(store, "m", "weights v1");
        store.copy(ModelName.parse("m"), ModelName.parse("other/m2:x"));
        assertThat(store.list(w -> {})).hasSize(2);
        install(store, "m", "weights v2");
        // v1 weights still used by the copy
        assertThat(store.blobPath(v1.modelLayer().orElseThrow().digest())).exists();
        store.delete(ModelName.parse("other/m2:x"));
        assertThat(store.blobPath(v1.modelLayer().orElseThrow().digest())).doesNotExist();
        Manifest v3 = install(store, "m", "weights v3");
        assertThat(store.list(w -> {})).singleElement().satisfies(s ->
                assertThat(s.manifest()).isEqualTo(v3));
        assertThatThrownBy(() -> store.copy(ModelName.parse("none"), ModelName.parse("x")))
                .isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void damagedManifestsAreReportedNotListed() throws Exception {
        ModelStore store = new ModelStore(dir);
        install(store, "good", "w");
        Path bad = dir.resolve("manifests/registry.ollama.ai/library/bad/latest");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "{\"schemaVersion\":2");
        Files.writeString(bad.resolveSibling(".latest.tmp-123"), "junk");
        List<String> warnings = new ArrayList<>();
        assertThat(store.list(warnings::add)).extracting(m -> m.name().model()).containsExactly("good");
        assertThat(warnings).singleElement().asString().contains("bad:latest").contains("damaged");
        assertThatThrownBy(() -> store.get(ModelName.parse("bad"))).hasMessageContaining("damaged");
    }

    @Test
    void readOnlyStoreCanBeReadButNotWritten() throws Exception {
        ModelStore store = new ModelStore(dir);
        install(store, "m", "w");
        Files.delete(dir.resolve(StoreLock.LOCK_FILE));
        dir.toFile().setWritable(false);
        try {
            assertThat(store.list(w -> {})).hasSize(1);
            if (!Files.isWritable(dir)) { // root ignores permissions
                assertThatThrownBy(() -> store.delete(ModelName.parse("m"))).hasMessageContaining("read-only");
            }
            assertThat(store.list(w -> {})).hasSize(1);
        } finally {
            dir.toFile().setWritable(true);
        }
    }

    @Test
    void concurrentWritersDoNotLoseModels() throws Exception {
        ModelStore store = new ModelStore(dir);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int n = i;
                fs.add(ex.submit(() -> {
                    install(store, "m" + n, "shared", "t" + (n % 3));
                    if (n % 2 == 0) {
                        store.delete(ModelName.parse("m" + n));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }
        List<StoredModel> left = store.list(w -> {});
        assertThat(left).hasSize(8);
        for (StoredModel m : left) {
            for (Layer l : m.manifest().blobs()) {
                assertThat(store.hasBlob(l.digest(), l.size())).as(m.name() + " " + l.digest()).isTrue();
            }
        }
    }
}
