package dev.hearth.store.library;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.store.Layer;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelNotFoundException;
import dev.hearth.store.ModelStore;
import dev.hearth.store.Progress;
import dev.hearth.store.StoredModel;
import dev.hearth.store.hardware.Fit;
import dev.hearth.store.hardware.MemoryEstimate;
import dev.hearth.store.modelfile.ChatMessage;
import dev.hearth.store.modelfile.Modelfile;
import dev.hearth.store.pull.PullOptions;
import dev.hearth.store.testing.TestModels;
import dev.hearth.store.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalModelLibraryTest {

    @TempDir
    Path dir;

    TestRegistry registry;
    LocalModelLibrary library;
    final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        registry = TestRegistry.start();
        registry.publish("library/tiny", "q8", TestModels.llamaQ8(), TestModels.TEMPLATE, TestModels.SYSTEM,
                TestModels.PARAMS, TestModels.LICENSE);
        PullOptions options = PullOptions.defaults().withPartSizes(256 << 10, 1 << 20).withDiskReserve(0)
                .withRetries(2, Duration.ofMillis(5), Duration.ofMillis(10));
        library = new LocalModelLibrary(new ModelStore(dir.resolve("models")), options, 16L << 30, 4096, warnings::add);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    String tiny() {
        return registry.name("library/tiny", "q8");
    }

    @Test
    void pullListShow() throws Exception {
        ModelSummary pulled = library.pull(tiny(), true, Progress.NONE);
        assertThat(pulled.name()).isEqualTo(tiny());
        assertThat(library.list()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo(tiny());
            assertThat(s.id()).hasSize(12).isEqualTo(pulled.id());
            assertThat(s.size()).isGreaterThan(Files.size(TestModels.llamaQ8()));
            assertThat(s.family()).isEqualTo("llama");
        });

        ModelDetails d = library.show(tiny());
        ModelFacts f = d.facts();
        assertThat(f.architecture()).isEqualTo("llama");
        assertThat(f.quantization()).isEqualTo("Q8_0");
        assertThat(f.contextLength()).isEqualTo(2048);
        assertThat(f.embeddingLength()).isEqualTo(256);
        try (GgufFile g = GgufFile.open(TestModels.llamaQ8())) {
            long params = g.tensors().stream().mapToLong(t -> t.elementCount()).sum();
            assertThat(f.parameterCount()).isEqualTo(params);
            assertThat(f.parameterSize()).isEqualTo(ModelFacts.formatCount(params)).endsWith("M");
        }
        assertThat(d.capabilities()).containsExactly("completion");
        assertThat(d.template()).isEqualTo(TestModels.TEMPLATE);
        assertThat(d.system()).isEqualTo(TestModels.SYSTEM);
        assertThat(d.parameters()).containsEntry("num_ctx", 512).containsEntry("temperature", 0.5)
                .containsEntry("stop", List.of("<|user|>"));
        assertThat(d.licenses()).containsExactly(TestModels.LICENSE);
        // num_ctx 512 from the params layer; KV = 2 layers x 512 x 2 KV heads x (64 + 64) x 4 bytes
        assertThat(d.memory().contextLength()).isEqualTo(512);
        assertThat(d.memory().kvCache()).isEqualTo(2L * 512 * 2 * 128 * 4);
        assertThat(d.memory().weights()).isEqualTo(f.weightBytes());
        assertThat(d.fit()).isEqualTo(Fit.COMFORTABLE);
        assertThat(d.modelfile()).contains("# FROM " + tiny()).contains("FROM " + d.modelPath())
                .contains("PARAMETER num_ctx 512").contains("PARAMETER stop <|user|>");
        Modelfile back = Modelfile.parse(d.modelfile());
        assertThat(back.template()).isEqualTo(TestModels.TEMPLATE);
        assertThat(back.parameters()).isEqualTo(d.parameters());
    }

    @Test
    void showUsesTheGgufTemplateWithoutATemplateLayer() throws Exception {
        Path gguf = TestModels.model("qwen3-Q4_K_M.gguf");
        Files.writeString(dir.resolve("Modelfile"), "FROM " + gguf);
        library.create("q3", Modelfile.parse(Files.readString(dir.resolve("Modelfile"))), dir, null, Progress.NONE);
        ModelDetails d = library.show("q3");
        try (GgufFile g = GgufFile.open(gguf)) {
            String t = g.optString("tokenizer.chat_template").orElse(null);
            assertThat(d.template()).isEqualTo(t);
            if (t != null && t.contains("tools")) {
                assertThat(d.capabilities()).contains("tools");
            }
        }
        assertThat(d.facts().architecture()).isEqualTo("qwen3");
        assertThat(d.facts().quantization()).isEqualTo("Q4_K_M");
    }

    @Test
    void createFromAGgufFileCopyAndRemove() throws Exception {
        Path gguf = Files.copy(TestModels.smallLlama(), dir.resolve("weights.gguf"));
        Modelfile mf = Modelfile.parse("""
                FROM ./weights.gguf
                SYSTEM Be brief.
                PARAMETER temperature 0.2
                PARAMETER stop "###"
                MESSAGE user hi
                MESSAGE assistant hello
                LICENSE MIT
                """);
        List<String> steps = new ArrayList<>();
        ModelSummary s = library.create("me/brief:v1", mf, dir, null, new Progress() {
            @Override
            public void status(String status) {
                steps.add(status);
            }
        });
        assertThat(s.name()).isEqualTo("me/brief:v1");
        assertThat(steps).contains("gathering model components", "writing manifest", "success");
        StoredModel stored = library.store().get(ModelName.parse("me/brief:v1"));
        assertThat(stored.manifest().layers()).extracting(Layer::mediaType).containsExactly(MediaTypes.MODEL,
                MediaTypes.SYSTEM, MediaTypes.PARAMS, MediaTypes.MESSAGES, MediaTypes.LICENSE);
        Layer model = stored.manifest().modelLayer().orElseThrow();
        assertThat(Files.readAllBytes(library.store().blobPath(model.digest()))).isEqualTo(Files.readAllBytes(gguf));

        ResolvedModel r = library.resolver().resolve("me/brief:v1");
        assertThat(r.installed()).isTrue();
        assertThat(r.modelPath()).isEqualTo(library.store().blobPath(model.digest()));
        assertThat(r.system()).isEqualTo("Be brief.");
        assertThat(r.template()).isNull();
        assertThat(r.doubleParameter("temperature")).contains(0.2);
        assertThat(r.stop()).containsExactly("###");
        assertThat(r.messages()).containsExactly(new ChatMessage("user", "hi"), new ChatMessage("assistant", "hello"));

        // a derived model inherits and overrides
        library.create("me/brief:v2", Modelfile.parse("FROM me/brief:v1\nSYSTEM Be verbose.\nPARAMETER top_k 5"), dir,
                null, Progress.NONE);
        ResolvedModel r2 = library.resolver().resolve("me/brief:v2");
        assertThat(r2.modelPath()).isEqualTo(r.modelPath());
        assertThat(r2.system()).isEqualTo("Be verbose.");
        assertThat(r2.parameters()).containsEntry("temperature", 0.2).containsEntry("top_k", 5);
        assertThat(r2.messages()).hasSize(2);

        library.copy("me/brief:v2", "copy");
        assertThat(library.list()).extracting(ModelSummary::name)
                .containsExactlyInAnyOrder("me/brief:v1", "me/brief:v2", "copy:latest");
        library.delete("me/brief:v1");
        library.delete("me/brief:v2");
        // the copy still resolves: the shared weights were kept
        assertThat(library.resolver().resolve("copy").modelPath()).exists();
        library.delete("copy");
        assertThat(library.list()).isEmpty();
        try (var files = Files.list(library.store().blobsDir())) {
            assertThat(files).isEmpty();
        }
        assertThatThrownBy(() -> library.delete("copy")).isInstanceOf(ModelNotFoundException.class);
    }

    @Test
    void createWritesTheRepackCacheSoTheFirstLoadMaps() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.hearth.tensor.InterleavedMatrix.repacksHere(),
                "this machine does not repack (no 512-bit vectors)");
        Path cache = dir.resolve("repack");
        LocalModelLibrary prepared = new LocalModelLibrary(new ModelStore(dir.resolve("models")), PullOptions.defaults(),
                16L << 30, 4096, warnings::add, dev.hearth.store.WeightsPreparation.repackCache(cache));
        Path gguf = Files.copy(TestModels.model("llama3-Q4_K_M.gguf"), dir.resolve("q4.gguf"));
        List<String> steps = new ArrayList<>();
        prepared.create("q4", Modelfile.parse("FROM ./q4.gguf"), dir, null, new Progress() {
            @Override
            public void status(String status) {
                steps.add(status);
            }
        });
        assertThat(steps.subList(steps.indexOf("writing manifest"), steps.size()))
                .containsExactly("writing manifest", "preparing weights for this CPU", "success");
        try (var files = Files.list(cache)) {
            assertThat(files).singleElement().satisfies(f -> assertThat(f.toString()).endsWith(".repack"));
        }
        Path weights = prepared.resolver().resolve("q4").modelPath();
        try (var file = dev.hearth.gguf.GgufFile.open(weights);
                var repacked = dev.hearth.model.RepackedMatrices.cached(file, cache)) {
            dev.hearth.model.Architectures.load(file, repacked);
            assertThat(repacked.reused()).isPositive();
            assertThat(repacked.repacked()).isZero();
        }
        // Weights that do not repack (F16) install without the step.
        steps.clear();
        Files.copy(TestModels.model("llama3-F16.gguf"), dir.resolve("f16.gguf"));
        prepared.create("f16", Modelfile.parse("FROM ./f16.gguf"), dir, null, new Progress() {
            @Override
            public void status(String status) {
                steps.add(status);
            }
        });
        assertThat(steps).contains("success").doesNotContain("preparing weights for this CPU");
    }

    @Test
    void createQuantizesFloatWeights() throws Exception {
        Path f16 = TestModels.model("llama3-F16.gguf");
        List<String> steps = new ArrayList<>();
        ModelSummary q8 = library.create("small:q8_0", Modelfile.parse("FROM " + f16 + "\nSYSTEM Be brief."), dir, "q8_0",
                new Progress() {
                    @Override
                    public void status(String status) {
                        steps.add(status);
                    }
                });
        assertThat(q8.quantization()).isEqualTo("Q8_0");
        assertThat(steps).anyMatch(st -> st.startsWith("quantizing") && st.endsWith("to Q8_0"));
        StoredModel stored = library.store().get(ModelName.parse("small:q8_0"));
        Path blob = library.store().blobPath(stored.manifest().modelLayer().orElseThrow().digest());
        assertThat(Files.size(blob)).isLessThan(Files.size(f16));
        try (GgufFile gguf = GgufFile.open(blob)) {
            assertThat(gguf.findTensor("blk.0.attn_q.weight").orElseThrow().type()).isEqualTo(GgmlType.Q8_0);
            assertThat(gguf.findTensor("blk.0.attn_norm.weight").orElseThrow().type()).isEqualTo(GgmlType.F32);
        }
        assertThat(library.resolver().resolve("small:q8_0").system()).isEqualTo("Be brief.");

        // from an installed float model; the original's blob is kept, the system prompt is inherited
        library.create("small:f16", Modelfile.parse("FROM " + f16), dir, null, Progress.NONE);
        ModelSummary q4 = library.create("small:q4_k_m", Modelfile.parse("FROM small:f16"), dir, "Q4_K_M", Progress.NONE);
        assertThat(q4.quantization()).isEqualTo("Q4_K_M");
        assertThat(library.list()).extracting(ModelSummary::name).contains("small:q8_0", "small:f16", "small:q4_k_m");
        // nothing half-written is left beside the blobs
        try (var files = Files.list(library.store().blobsDir())) {
            assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith("sha256-"));
        }
    }

    @Test
    void createRejectsBadInputBeforeWriting() throws Exception {
        Files.writeString(dir.resolve("not.gguf"), "hello");
        assertThatThrownBy(() -> library.create("x", Modelfile.parse("FROM ./not.gguf"), dir, null, Progress.NONE))
                .hasMessageContaining("not a valid GGUF file");
        assertThatThrownBy(() -> library.create("x", Modelfile.parse("FROM ./missing.gguf"), dir, null, Progress.NONE))
                .hasMessageContaining("missing.gguf");
        assertThatThrownBy(() -> library.create("x", Modelfile.parse("FROM nobody/nothing"), dir, null, Progress.NONE))
                .isInstanceOf(ModelNotFoundException.class).hasMessageContaining("pull it first");
        assertThatThrownBy(() -> library.create("x", Modelfile.parse("FROM " + dir), dir, null, Progress.NONE))
                .hasMessageContaining("is a directory");
        assertThatThrownBy(() -> library.create("../x", Modelfile.parse("FROM ./not.gguf"), dir, null, Progress.NONE))
                .hasMessageContaining("invalid model name");
        assertThatThrownBy(() -> library.create("x", Modelfile.parse("FROM " + TestModels.smallLlama()), dir, "q3_nonsense",
                Progress.NONE)).hasMessageContaining("--quantize: unknown weight type 'q3_nonsense'");
        assertThatThrownBy(() -> library.create("x", Modelfile.parse("FROM " + TestModels.smallLlama()), dir, "q4_k_m",
                Progress.NONE)).hasMessageContaining("already quantized").hasMessageContaining("F32, F16 or BF16");
        assertThat(library.list()).isEmpty();
        assertThat(dir.resolve("models/blobs")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(Files.list(p)).isEmpty());
    }

    @Test
    void resolverTakesPathsAndNames() throws Exception {
        Path gguf = TestModels.smallLlama();
        ResolvedModel file = library.resolver().resolve(gguf.toString());
        assertThat(file.installed()).isFalse();
        assertThat(file.modelPath()).isEqualTo(gguf);
        assertThat(file.name()).isEqualTo(gguf.getFileName().toString());
        assertThatThrownBy(() -> library.resolver().resolve("./nope.gguf")).hasMessageContaining("nope.gguf");
        assertThatThrownBy(() -> library.resolver().resolve("nope")).isInstanceOf(ModelNotFoundException.class)
                .hasMessage("model 'nope:latest' not found; pull it with 'hearth pull nope:latest'");
        assertThatThrownBy(() -> library.resolver().resolve("a b")).hasMessageContaining("neither a file nor a model name");
        library.pull(tiny(), true, Progress.NONE);
        ResolvedModel installed = library.resolver().resolve(tiny());
        assertThat(installed.installed()).isTrue();
        assertThat(installed.template()).isEqualTo(TestModels.TEMPLATE);
        assertThat(installed.intParameter("num_ctx")).contains(512);
        // a missing blob is reported, not a crash
        Files.delete(installed.modelPath());
        assertThatThrownBy(() -> library.resolver().resolve(tiny())).hasMessageContaining("missing")
                .hasMessageContaining("pull or create the model again");
    }

    @Test
    void memoryEstimateAndFit() {
        ModelFacts f = new ModelFacts("llama", 8_000_000_000L, 131072, 4096, "Q4_K_M", 32, 8, 128, 128, 128256,
                4_900_000_000L, null, false);
        MemoryEstimate m = MemoryEstimate.of(f, 4096);
        assertThat(m.kvCache()).isEqualTo(32L * 4096 * 8 * 256 * 4);
        assertThat(m.total()).isGreaterThan(m.weights() + m.kvCache());
        assertThat(m.fitIn(16L << 30)).isEqualTo(Fit.COMFORTABLE);
        assertThat(m.fitIn(7L << 30)).isEqualTo(Fit.TIGHT);
        assertThat(m.fitIn(4L << 30)).isEqualTo(Fit.TOO_LARGE);
        assertThat(m.fitIn(0)).isEqualTo(Fit.UNKNOWN);
        assertThat(m.describe()).matches("6\\.\\d+ GB \\(weights 4\\.90 GB \\+ KV cache 1\\.07 GB at 4096 tokens \\+ .* runtime\\)");
        ModelFacts hostile = new ModelFacts("x", 0, 0, Long.MAX_VALUE, "F32", Long.MAX_VALUE, Long.MAX_VALUE, 1, 1,
                Long.MAX_VALUE, 1, null, false);
        assertThat(MemoryEstimate.of(hostile, 4096).total()).isPositive();
    }

    @Test
    void listReportsDamagedManifests() throws Exception {
        library.pull(tiny(), true, Progress.NONE);
        Path bad = dir.resolve("models/manifests/registry.ollama.ai/library/broken/latest");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "not json");
        assertThat(library.list()).hasSize(1);
        assertThat(warnings).singleElement().asString().contains("broken:latest");
    }
}
