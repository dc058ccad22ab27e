package dev.hearth.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hearth.bench.ModelBenchmark;
import dev.hearth.convert.FileType;
import dev.hearth.convert.ModelShape;
import dev.hearth.convert.RandomModelWriter;
import dev.hearth.engine.LoadedModel;
import dev.hearth.gguf.GgufFile;
import dev.hearth.tensor.InterleavedMatrix;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The repack cache: a second load maps what the first repacked, byte for byte, and a cache file that is
 * damaged, made from another file or from a changed one is never used (the load repacks and rewrites it).
 */
class RepackedMatricesTest {

    @TempDir
    Path dir;

    private Path cache;

    @BeforeEach
    void onlyWhereMatricesAreRepacked() {
        assumeTrue(InterleavedMatrix.repacksHere(), "this machine does not repack (no 512-bit vectors)");
        cache = dir.resolve("cache");
    }

    private Path model(FileType type, String name, long seed) throws IOException {
        Path file = dir.resolve(name);
        RandomModelWriter.write(ModelShape.named("tiny"), type, file, seed);
        return file;
    }

    /** Result of one load: how the matrices were obtained and every weight byte the products read. */
    private record Load(int reused, int repacked, boolean written, List<byte[]> weights) {}

    private Load load(Path file, Path cacheDir) throws Exception {
        try (GgufFile gguf = GgufFile.open(file); RepackedMatrices r = RepackedMatrices.cached(gguf, cacheDir)) {
            Model m = Architectures.load(gguf, r);
            List<byte[]> weights = new ArrayList<>();
            for (MemorySegment s : ModelBenchmark.weightRegions(m)) {
                weights.add(s.toArray(ValueLayout.JAVA_BYTE));
            }
            return new Load(r.reused(), r.repacked(), r.awaitWritten(), weights);
        }
    }

    private static void assertSameWeights(Load actual, Load expected) {
        assertThat(actual.weights()).usingElementComparator(java.util.Arrays::compare)
                .containsExactlyElementsOf(expected.weights());
    }

    private Path onlyCacheFile() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            List<Path> all = files.toList();
            assertThat(all).hasSize(1);
            assertThat(all.getFirst().getFileName().toString()).matches("[0-9a-f]{32}\\.repack");
            return all.getFirst();
        }
    }

    @ParameterizedTest
    @EnumSource(value = FileType.class, names = {"Q4_0", "Q4_K_M"})
    void secondLoadMapsTheFirstLoadsRepackedBytes(FileType type) throws Exception {
        Path file = model(type, "m.gguf", 3);
        Load inMemory = load(file, null);
        assertThat(inMemory.repacked()).isPositive();
        assertThat(inMemory.written()).isFalse();
        assertThat(cache).doesNotExist();

        Load first = load(file, cache);
        assertThat(first.reused()).isZero();
        assertThat(first.repacked()).isEqualTo(inMemory.repacked());
        assertThat(first.written()).isTrue();
        onlyCacheFile();

        Load second = load(file, cache);
        assertThat(second.reused()).isEqualTo(inMemory.repacked());
        assertThat(second.repacked()).isZero();
        assertThat(second.written()).isFalse();
        assertSameWeights(second, inMemory);
    }

    @ParameterizedTest
    @EnumSource(value = FileType.class, names = {"Q4_0", "Q4_K_M"})
    void prepareWritesTheCacheAFirstLoadMaps(FileType type) throws Exception {
        Path file = model(type, "m.gguf", 5);
        Load inMemory = load(file, null);

        java.util.concurrent.atomic.AtomicInteger starts = new java.util.concurrent.atomic.AtomicInteger();
        assertThat(RepackedMatrices.prepare(file, cache, starts::incrementAndGet)).isEqualTo(inMemory.repacked());
        assertThat(starts).hasValue(1);
        onlyCacheFile();
        Load first = load(file, cache);
        assertThat(first.reused()).isEqualTo(inMemory.repacked());
        assertThat(first.repacked()).isZero();
        assertSameWeights(first, inMemory);
        // Complete already: nothing to do, and no temporary left behind.
        assertThat(RepackedMatrices.prepare(file, cache, starts::incrementAndGet)).isZero();
        assertThat(starts).hasValue(1);
        onlyCacheFile();
    }

    @Test
    void prepareReplacesADamagedCacheAndSkipsWhatDoesNotRepack() throws Exception {
        Path file = model(FileType.Q4_0, "m.gguf", 6);
        Load reference = load(file, cache);
        Path cacheFile = onlyCacheFile();
        byte[] bytes = Files.readAllBytes(cacheFile);
        bytes[bytes.length - 1] ^= 1;
        Files.write(cacheFile, bytes);
        assertThat(RepackedMatrices.prepare(file, cache, () -> {})).isEqualTo(reference.repacked());
        assertSameWeights(load(file, cache), reference);

        Path f16 = model(FileType.F16, "f16.gguf", 6);
        assertThat(RepackedMatrices.prepare(f16, cache, () -> {})).isZero();
        assertThat(RepackedMatrices.prepare(file, null, () -> {})).isZero();
        onlyCacheFile();
    }

    @Test
    void prepareOfAFileThatIsNoModelFailsWithoutACacheFile() throws Exception {
        Path notGguf = dir.resolve("x.gguf");
        Files.write(notGguf, new byte[100]);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RepackedMatrices.prepare(notGguf, cache, () -> {}))
                .isInstanceOf(RuntimeException.class);
        assertThat(cache).doesNotExist();
    }

    @Test
    void damagedDataIsRepackedAndTheFileRewritten() throws Exception {
        Path file = model(FileType.Q4_K_M, "m.gguf", 4);
        Load reference = load(file, cache);
        Path cacheFile = onlyCacheFile();
        byte[] bytes = Files.readAllBytes(cacheFile);
        bytes[bytes.length - 100] ^= 0x10; // in the last tensor's groups
        Files.write(cacheFile, bytes);

        Load damaged = load(file, cache);
        assertThat(damaged.reused()).isZero();
        assertThat(damaged.written()).isTrue();
        assertSameWeights(damaged, reference);
        assertThat(load(file, cache).reused()).isEqualTo(reference.repacked());
    }

    @Test
    void aChangedSourceIsRepacked() throws Exception {
        Path file = model(FileType.Q4_0, "m.gguf", 5);
        int matrices = load(file, cache).repacked();
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
        Load changed = load(file, cache);
        assertThat(changed.reused()).isZero();
        assertThat(changed.repacked()).isEqualTo(matrices);
        assertThat(load(file, cache).reused()).isEqualTo(matrices);
    }

    /** Cache files cut short or with bytes changed anywhere never fail a load or change a weight. */
    @Test
    void damagedCacheFilesNeverBreakALoad() throws Exception {
        Path file = model(FileType.Q4_K_M, "m.gguf", 6);
        Load reference = load(file, cache);
        Path cacheFile = onlyCacheFile();
        byte[] valid = Files.readAllBytes(cacheFile);
        Random random = new Random(42);
        for (int round = 0; round < 24; round++) {
            byte[] bytes;
            if (round % 3 == 0) {
                bytes = java.util.Arrays.copyOf(valid, random.nextInt(valid.length));
            } else {
                bytes = valid.clone();
                // Mostly in the header, where lengths and offsets are.
                int at = round % 3 == 1 ? random.nextInt(Math.min(valid.length, 2048)) : random.nextInt(valid.length);
                bytes[at] ^= (byte) (1 << random.nextInt(8));
            }
            Files.write(cacheFile, bytes);
            Load l = load(file, cache);
            assertSameWeights(l, reference);
            assertThat(l.reused() + l.repacked()).isEqualTo(reference.repacked());
        }
        Files.write(cacheFile, new byte[] {'H', 'E', 'A', 'R', 'T', 'H', 'R', 'P'});
        assertThat(load(file, cache).repacked()).isEqualTo(reference.repacked());
    }

    @Test
    void cacheFilesOfRemovedSourcesOrOtherLayoutsAreDeletedWhenAnotherIsWritten() throws Exception {
        Path a = model(FileType.Q4_0, "a.gguf", 7);
        load(a, cache);
        Path aCache = onlyCacheFile();
        Files.delete(a);
        Path b = model(FileType.Q4_0, "b.gguf", 8);
        Files.writeString(cache.resolve("notes.txt"), "not ours");
        Path otherLayout = cache.resolve("0123456789abcdef0123456789abcdef.repack");
        Files.writeString(otherLayout, "HEARTHRP and then an older version's header");
        load(b, cache);
        assertThat(aCache).doesNotExist();
        assertThat(otherLayout).doesNotExist();
        assertThat(cache.resolve("notes.txt")).exists();
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.filter(p -> p.toString().endsWith(".repack")).count()).isEqualTo(1);
        }
    }

    @Test
    void loadedModelCloseWaitsForTheCacheFile() throws Exception {
        Path file = model(FileType.Q4_0, "m.gguf", 9);
        try (LoadedModel loaded = LoadedModel.open(file, cache)) {
            assertThat(loaded.repacked().repacked()).isPositive();
        }
        Path cacheFile = onlyCacheFile();
        try (LoadedModel loaded = LoadedModel.open(file, cache)) {
            assertThat(loaded.repacked().repacked()).isZero();
            assertThat(loaded.repacked().reused()).isPositive();
        }
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.toList()).containsExactly(cacheFile);
        }
    }

    @Test
    void anUnwritableCacheDirectoryOnlyCostsTheCache() throws Exception {
        Path file = model(FileType.Q4_0, "m.gguf", 10);
        Path notADirectory = dir.resolve("file-in-the-way");
        Files.writeString(notADirectory, "x", StandardOpenOption.CREATE_NEW);
        Load l = load(file, notADirectory.resolve("cache"));
        assertThat(l.repacked()).isPositive();
        assertThat(l.written()).isFalse();
    }
}
