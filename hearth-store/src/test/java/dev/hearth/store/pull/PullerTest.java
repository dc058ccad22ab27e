package dev.hearth.store.pull;

import dev.hearth.store.Progress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.store.Digest;
import dev.hearth.store.DigestMismatchException;
import dev.hearth.store.InvalidModelNameException;
import dev.hearth.store.Layer;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelNotFoundException;
import dev.hearth.store.ModelStore;
import dev.hearth.store.StoredModel;
import dev.hearth.store.testing.TestModels;
import dev.hearth.store.testing.TestRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PullerTest {

    static final HttpClient HTTP = RegistryClient.newHttpClient(Duration.ofSeconds(1));

    @TempDir
    Path dir;

    TestRegistry registry;
    ModelStore store;
    TestRegistry.Published tiny;
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    final Progress recorder = new Progress() {
        @Override
        public void status(String status) {
            events.add("status " + status);
        }

        @Override
        public void layer(Layer layer, long completed) {
            events.add("layer " + layer.digest().shortHex() + " " + completed + "/" + layer.size());
        }

        @Override
        public void warning(String message) {
            events.add("warning " + message);
        }
    };

    static PullOptions options() {
        return PullOptions.defaults().withInsecure(true)
                .withPartSizes(256 << 10, 1 << 20)
                .withRetries(4, Duration.ofMillis(10), Duration.ofMillis(40))
                .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(5))
                .withDiskReserve(0)
                .withCheckpointInterval(Duration.ofMillis(20));
    }

    @BeforeEach
    void start() throws IOException {
        registry = TestRegistry.start();
        store = new ModelStore(dir.resolve("models"));
        tiny = registry.publish("library/tiny", "q8", TestModels.llamaQ8(), TestModels.TEMPLATE, TestModels.SYSTEM,
                TestModels.PARAMS, TestModels.LICENSE);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    StoredModel pull(PullOptions options) throws IOException {
        return new Puller(store, options, HTTP, 0).pull(registry.name("library/tiny", "q8"), recorder);
    }

    StoredModel pull() throws IOException {
        return pull(options());
    }

    /** The store holds exactly the published model, every blob byte-identical, and no leftovers. */
    void assertInstalledExactly(TestRegistry.Published p) throws IOException {
        List<StoredModel> models = store.list(w -> {});
        assertThat(models).hasSize(1);
        StoredModel m = models.getFirst();
        assertThat(m.name()).isEqualTo(ModelName.parse(registry.name(p.repository(), p.tag())));
        assertThat(Files.readAllBytes(m.manifestPath())).isEqualTo(p.manifestBytes());
        for (Map.Entry<Digest, byte[]> e : p.blobs().entrySet()) {
            assertThat(Files.readAllBytes(store.blobPath(e.getKey()))).isEqualTo(e.getValue());
        }
        assertThat(blobFiles()).containsExactlyInAnyOrderElementsOf(
                p.blobs().keySet().stream().map(Digest::fileName).toList());
    }

    void assertNothingInstalled() throws IOException {
        assertThat(store.list(w -> {})).isEmpty();
        assertThat(blobFiles()).noneMatch(n -> n.startsWith("sha256-") && !n.contains("partial")
                && !n.equals(tiny.manifest().config().digest().fileName())
                && !isSmallLayer(n));
    }

    boolean isSmallLayer(String fileName) {
        return tiny.manifest().layers().stream().anyMatch(l -> l.digest().fileName().equals(fileName)
                && !l.mediaType().equals(MediaTypes.MODEL));
    }

    List<String> blobFiles() throws IOException {
        if (!Files.isDirectory(store.blobsDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(store.blobsDir())) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    long modelSize() {
        return tiny.manifest().modelLayer().orElseThrow().size();
    }

    List<TestRegistry.Request> modelBlobRequests() {
        return registry.requests().stream().filter(r -> r.path().endsWith(tiny.modelDigest().toString())).toList();
    }

    @Test
    void preparesThePulledWeightsBeforeReportingSuccess() throws IOException {
        List<Path> prepared = new ArrayList<>();
        StoredModel m = new Puller(store, options(), HTTP, 0, (weights, progress) -> {
            prepared.add(weights);
            progress.status("preparing");
        }).pull(registry.name("library/tiny", "q8"), recorder);
        assertThat(prepared).containsExactly(store.blobPath(m.manifest().modelLayer().orElseThrow().digest()));
        assertThat(events.subList(events.indexOf("status writing manifest"), events.size()))
                .containsExactly("status writing manifest", "status preparing", "status success");
    }

    @Test
    void pullsAllLayersInParallelRangedParts() throws IOException {
        StoredModel m = pull();
        assertInstalledExactly(tiny);
        assertThat(m.manifest().layers()).extracting(Layer::mediaType).containsExactly(MediaTypes.MODEL,
                MediaTypes.TEMPLATE, MediaTypes.SYSTEM, MediaTypes.PARAMS, MediaTypes.LICENSE);
        // 3.6 MB in parts of at most 1 MB: at least 4 ranged requests, each served with 206
        List<TestRegistry.Request> parts = modelBlobRequests();
        assertThat(parts).hasSizeGreaterThanOrEqualTo(4).allMatch(r -> r.status() == 206 && r.range() != null);
        assertThat(registry.bytesServed(tiny.modelDigest())).isEqualTo(modelSize());
        assertThat(events).contains("status pulling manifest", "status writing manifest", "status success",
                "layer " + tiny.modelDigest().shortHex() + " " + modelSize() + "/" + modelSize());
        assertThat(events).anyMatch(e -> e.startsWith("status verifying sha256 digest"));
        // pulling again downloads nothing
        registry.clearRequests();
        pull();
        assertThat(registry.requests()).extracting(TestRegistry.Request::path).allMatch(p -> p.contains("/manifests/"));
        assertInstalledExactly(tiny);
    }

    @Test
    void interruptedPartsResumeWhereTheyStopped() throws IOException {
        registry.cutAfterBytes = 100_000;
        registry.cutCount.set(3);
        pull();
        assertInstalledExactly(tiny);
        // resumed, not restarted: retried requests start past the part's first byte
        assertThat(modelBlobRequests()).filteredOn(r -> r.status() == 206)
                .anyMatch(r -> Long.parseLong(r.range().substring(6, r.range().indexOf('-'))) % (256 << 10) != 0);
        assertThat(registry.bytesServed(tiny.modelDigest())).isLessThan(modelSize() + 4 * 100_000L);
        assertThat(events).anyMatch(e -> e.startsWith("warning part ") && e.contains("retrying"));
    }

    @Test
    void aRestartedPullResumesFromTheResumeRecord() throws IOException {
        registry.cutAfterBytes = 100_000;
        registry.cutCount.set(1_000);
        PullOptions giveUpFast = options().withRetries(0, Duration.ofMillis(1), Duration.ofMillis(1));
        assertThatThrownBy(() -> pull(giveUpFast)).hasMessageContaining("run the pull again to resume");
        assertThat(store.list(w -> {})).isEmpty();
        assertThat(store.partialPath(tiny.modelDigest())).exists();
        assertThat(store.partialStatePath(tiny.modelDigest())).exists();
        long firstServed = registry.bytesServed(tiny.modelDigest());
        assertThat(firstServed).isGreaterThan(0);

        long kept = BlobDownload.alreadyDownloaded(store, tiny.manifest().modelLayer().orElseThrow());
        assertThat(kept).isPositive().isLessThanOrEqualTo(firstServed);

        registry.cutCount.set(0);
        registry.clearRequests();
        pull();
        assertInstalledExactly(tiny);
        // only what the resume record did not cover was fetched again
        long secondServed = registry.bytesServed(tiny.modelDigest()) - firstServed;
        assertThat(secondServed).isEqualTo(modelSize() - kept);
        assertThat(store.partialPath(tiny.modelDigest())).doesNotExist();
        assertThat(store.partialStatePath(tiny.modelDigest())).doesNotExist();
    }

    @Test
    void aDamagedResumeRecordRestartsTheDownload() throws IOException {
        Files.createDirectories(store.blobsDir());
        Files.write(store.partialPath(tiny.modelDigest()), new byte[1234]);
        Files.writeString(store.partialStatePath(tiny.modelDigest()), "{\"digest\":\"sha256:x\",\"parts\":[[0,5,5]]}");
        pull();
        assertInstalledExactly(tiny);
        assertThat(registry.bytesServed(tiny.modelDigest())).isEqualTo(modelSize());
    }

    @Test
    void wrongDigestIsRejectedAndNothingIsKept() throws IOException {
        registry.corrupt.put(tiny.modelDigest(), true);
        assertThatThrownBy(this::pull).isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("failed verification").hasMessageContaining("nothing was installed");
        assertThat(store.list(w -> {})).isEmpty();
        assertThat(store.blobPath(tiny.modelDigest())).doesNotExist();
        assertThat(store.partialPath(tiny.modelDigest())).doesNotExist();
        assertThat(store.partialStatePath(tiny.modelDigest())).doesNotExist();
        registry.corrupt.clear();
        pull();
        assertInstalledExactly(tiny);
    }

    @Test
    void serverErrorsAreRetried() throws IOException {
        registry.failPathContains = "/manifests/";
        registry.failCount.set(2);
        pull();
        assertInstalledExactly(tiny);
        assertThat(registry.requests()).filteredOn(r -> r.status() == 500).hasSize(2);

        store.delete(ModelName.parse(registry.name("library/tiny", "q8")));
        registry.failPathContains = "/blobs/";
        registry.failCount.set(3);
        pull();
        assertInstalledExactly(tiny);
    }

    @Test
    void persistentServerErrorsFailWithTheStatus() {
        registry.failPathContains = "/manifests/";
        registry.failCount.set(100);
        assertThatThrownBy(this::pull).isInstanceOf(RegistryException.class)
                .hasMessageContaining("HTTP 500").hasMessageContaining("injected failure");
    }

    @Test
    void serverThatIgnoresRangeStillWorks() throws IOException {
        registry.ignoreRange = true;
        pull();
        assertInstalledExactly(tiny);
        assertThat(modelBlobRequests()).anyMatch(r -> r.status() == 200);
        assertThat(events).anyMatch(e -> e.contains("ignores Range"));
    }

    @Test
    void tokenIsNeverSentToTheHostARedirectLeadsTo() throws IOException {
        try (TestRegistry cdn = TestRegistry.start()) {
            tiny.blobs().values().forEach(cdn::addBlob);
            registry.requiredToken = "s3cret";
            registry.redirectBlobsTo = "http://localhost:" + cdn.port();
            pull();
            assertInstalledExactly(tiny);
            assertThat(registry.requests()).anyMatch(r -> r.path().equals("/token"));
            assertThat(registry.requests()).filteredOn(r -> r.status() == 307)
                    .isNotEmpty().allMatch(r -> "Bearer s3cret".equals(r.authorization()));
            assertThat(cdn.requests()).isNotEmpty().allMatch(r -> r.authorization() == null);
        }
    }

    @Test
    void tokenRealmOnAnotherHostIsRefused() {
        registry.requiredToken = "s3cret";
        registry.realmOverride = "http://localhost:" + registry.port() + "/token";
        assertThatThrownBy(this::pull).isInstanceOf(RegistryException.class)
                .hasMessageContaining("asked for a token from another host (localhost:");
        assertThat(registry.requests()).noneMatch(r -> r.path().equals("/token"));
    }

    @Test
    void redirectsAreLimited() throws IOException {
        registry.redirectLoop = true;
        assertThatThrownBy(this::pull).isInstanceOf(RegistryException.class)
                .hasMessageContaining("too many redirects (more than 10)");
        assertNothingInstalled();
        assertThat(registry.requests()).filteredOn(r -> r.status() == 302).hasSizeLessThanOrEqualTo(11);
    }

    @Test
    void oversizedManifestIsRefused() throws IOException {
        registry.manifestPadding = 2 << 20;
        assertThatThrownBy(this::pull).isInstanceOf(RegistryException.class)
                .hasMessageContaining("manifests are limited to 1048576 bytes");
        assertNothingInstalled();
        assertThat(registry.requests()).noneMatch(r -> r.path().contains("/blobs/"));
    }

    @Test
    void unknownModelIsClearlyNotFound() throws IOException {
        assertThatThrownBy(() -> new Puller(store, options(), HTTP, 0).pull(registry.name("library/nope", "x"), recorder))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessage("model '" + registry.host() + "/library/nope:x' not found on " + registry.host()
                        + " (manifest unknown)");
        assertNothingInstalled();
    }

    @Test
    void invalidNamesFailBeforeAnyRequest() {
        for (String bad : new String[] {registry.host() + "/../../etc:passwd", registry.host() + "/a/b/c/d",
                registry.host() + "/library/" + "x".repeat(81)}) {
            assertThatThrownBy(() -> new Puller(store, options(), HTTP, 0).pull(bad, recorder))
                    .isInstanceOf(InvalidModelNameException.class);
        }
        assertThatThrownBy(() -> new Puller(store, options().withInsecure(false), HTTP, 0)
                .pull("http://" + registry.name("library/tiny", "q8"), recorder))
                .hasMessageContaining("pass --insecure");
        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void aPlainHttpRegistryWithoutInsecureFailsFastWithAHint() {
        // The real connect timeout (30 s), not the tests' 1 s: the JDK's HTTP server never answers a TLS
        // ClientHello, so only the plain-HTTP probe keeps this from waiting out the whole timeout.
        PullOptions real = options().withInsecure(false).withConnectTimeout(Duration.ofSeconds(30));
        HttpClient realClient = RegistryClient.newHttpClient(real.connectTimeout());
        long start = System.nanoTime();
        assertThatThrownBy(() -> Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> new Puller(store, real, realClient, 0).pull(registry.name("library/tiny", "q8"), recorder)))
                .isInstanceOf(RegistryUnreachableException.class)
                .hasMessageContaining(registry.host()).hasMessageContaining("plain HTTP")
                .hasMessageContaining("pass --insecure");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(events).noneMatch(e -> e.contains("retrying"));
        assertThat(registry.requests()).noneMatch(r -> r.path().contains("manifests"));
    }

    @Test
    void plainHttpStatusLinesAreRecognisedAndNothingElse() {
        assertThat(PlainHttpProbe.parseStatusLine("HTTP/1.1 404 Not Found")).isEqualTo(404);
        assertThat(PlainHttpProbe.parseStatusLine("HTTP/1.0 200 OK")).isEqualTo(200);
        assertThat(PlainHttpProbe.parseStatusLine("HTTP/1.1 401")).isEqualTo(401);
        for (String other : new String[] {"", "\u0015\u0003\u0003\u0000\u0002", "HTTP/2 200", "HTTP/1.1 2000 x",
                "HTTP/1.1 abc OK", "SSH-2.0-OpenSSH_9.6", "HTTP/1.1 099 x"}) {
            assertThat(PlainHttpProbe.parseStatusLine(other)).as(other).isEqualTo(-1);
        }
    }

    @Test
    void aClosedPortAnswersNoStatusToTheProbe() throws IOException {
        int port = registry.port();
        registry.close();
        assertThat(PlainHttpProbe.status("127.0.0.1", port, Duration.ofSeconds(1), Duration.ofSeconds(1))).isEqualTo(-1);
    }

    @Test
    void aRegistryThatIsNotThereFailsFast() throws IOException {
        int port = registry.port();
        registry.close();
        assertThatThrownBy(() -> new Puller(store, options(), HTTP, 0).pull("127.0.0.1:" + port + "/library/tiny:q8", recorder))
                .isInstanceOf(RegistryUnreachableException.class)
                .hasMessageContaining("cannot connect to 127.0.0.1:" + port);
        assertThat(store.list(w -> {})).isEmpty();
    }

    @Test
    void manifestWithMaliciousDigestIsRejected() throws IOException {
        String evil = new String(tiny.manifestBytes(), StandardCharsets.UTF_8)
                .replace(tiny.modelDigest().toString(), "sha256:../../../../../../tmp/evil");
        registry.putManifest("library/tiny", "q8", evil.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(this::pull).hasMessageContaining("invalid manifest").hasMessageContaining("invalid digest");
        assertNothingInstalled();
    }

    @Test
    void missingBlobFailsWithoutListingTheModel() throws IOException {
        registry.putManifest("library/tiny", "q8", tiny.manifestBytes());
        TestRegistry.Published other = registry.publishLayers("library/other", "x",
                Map.of(MediaTypes.MODEL, "weights that the registry lost".getBytes()));
        // republish a manifest whose model blob the registry does not have
        String lost = new String(other.manifestBytes(), StandardCharsets.UTF_8)
                .replace(other.modelDigest().toString(), "sha256:" + "0".repeat(64));
        registry.putManifest("library/tiny", "q8", lost.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(this::pull).isInstanceOf(RegistryException.class).hasMessageContaining("HTTP 404");
        assertThat(store.list(w -> {})).isEmpty();
    }

    @Test
    void stalledPartsAreCutAndRetried() throws IOException {
        registry.stallAfterBytes = 50_000;
        registry.stallFor = Duration.ofSeconds(5);
        registry.stallCount.set(1);
        long start = System.nanoTime();
        pull(options().withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(5)));
        assertInstalledExactly(tiny);
        assertThat(events).anyMatch(e -> e.contains("stalled"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void notEnoughDiskSpaceFailsBeforeDownloading() throws IOException {
        assertThatThrownBy(() -> pull(options().withDiskReserve(Long.MAX_VALUE / 4)))
                .hasMessageContaining("not enough disk space");
        assertThat(registry.requests()).noneMatch(r -> r.path().contains("/blobs/"));
        assertNothingInstalled();
    }

    @Test
    void warnsWhenTheWeightsExceedThisMachinesMemory() throws IOException {
        new Puller(store, options(), HTTP, 1_000_000).pull(registry.name("library/tiny", "q8"), recorder);
        assertThat(events).anyMatch(e -> e.startsWith("warning ") && e.contains("will not fit")
                && e.contains("1.00 MB"));
    }

    @Test
    void concurrentPullsOfTheSameModelDownloadItOnce() throws Exception {
        registry.throttleBytesPerSecond = 8 << 20;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<StoredModel>> pulls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pulls.add(ex.submit(() -> new Puller(store, options(), HTTP, 0)
                        .pull(registry.name("library/tiny", "q8"), Progress.NONE)));
            }
            for (Future<StoredModel> f : pulls) {
                assertThat(f.get().name().model()).isEqualTo("tiny");
            }
        }
        assertInstalledExactly(tiny);
        assertThat(registry.bytesServed(tiny.modelDigest())).isEqualTo(modelSize());
    }

    @Test
    void removingAModelKeepsBlobsAnotherModelShares() throws IOException {
        TestRegistry.Published sibling = registry.publish("library/tiny", "chat", TestModels.llamaQ8(), "other template",
                null, null, null);
        pull();
        new Puller(store, options(), HTTP, 0).pull(registry.name("library/tiny", "chat"), recorder);
        assertThat(store.list(w -> {})).hasSize(2);
        store.delete(ModelName.parse(registry.name("library/tiny", "q8")));
        StoredModel left = store.get(ModelName.parse(registry.name("library/tiny", "chat")));
        for (Layer l : left.manifest().blobs()) {
            assertThat(store.hasBlob(l.digest(), l.size())).isTrue();
        }
        assertThat(store.blobPath(sibling.modelDigest())).exists();
        assertThat(store.blobPath(tiny.manifest().layers(MediaTypes.SYSTEM).getFirst().digest())).doesNotExist();
    }

    @Test
    void rmWhileAnotherModelSharingTheBlobIsBeingPulled() throws Exception {
        // Whichever wins the race, the second model ends up complete (its pull pins or re-fetches the blob).
        pull();
        registry.publish("library/tiny", "slow", TestModels.llamaQ8(), "t2", null, null, null);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<StoredModel> second = ex.submit(() -> new Puller(store, options(), HTTP, 0)
                    .pull(registry.name("library/tiny", "slow"), Progress.NONE));
            store.delete(ModelName.parse(registry.name("library/tiny", "q8")));
            StoredModel s = second.get();
            for (Layer l : s.manifest().blobs()) {
                assertThat(store.hasBlob(l.digest(), l.size())).as(l.mediaType()).isTrue();
            }
        }
        assertThat(store.list(w -> {})).extracting(m -> m.name().tag()).containsExactly("slow");
    }
}
