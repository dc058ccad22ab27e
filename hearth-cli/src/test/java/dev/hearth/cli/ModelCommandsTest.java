package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.config.HearthSettings;
import dev.hearth.store.Digest;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelStore;
import dev.hearth.store.modelfile.Modelfile;
import dev.hearth.store.testing.TestModels;
import dev.hearth.store.testing.TestRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearth pull/list/show/cp/rm/create/doctor} end to end: a real HTTP registry on 127.0.0.1 serving the
 * tiny test models, the CLI run in-process with HEARTH_MODELS pointing at a temporary store.
 */
class ModelCommandsTest {

    @TempDir
    Path dir;

    TestRegistry registry;
    TestRegistry.Published tiny;
    HearthSettings settings;
    ModelStore store;

    record Result(int exitCode, String out, String err) {}

    static synchronized Result hearth(HearthSettings settings, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(settings, args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    Result hearth(String... args) {
        return hearth(settings, args);
    }

    static void assertFailsWithOneLine(Result r, String... parts) {
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("hearth: ");
        for (String part : parts) {
            assertThat(r.err()).contains(part);
        }
    }

    @BeforeEach
    void start() throws Exception {
        registry = TestRegistry.start();
        tiny = registry.publish("library/tiny", "q8", TestModels.llamaQ8(), TestModels.TEMPLATE, TestModels.SYSTEM,
                TestModels.PARAMS, TestModels.LICENSE);
        settings = new HearthSettings(Map.of(HearthSettings.MODELS, dir.resolve("models").toString()), dir);
        store = new ModelStore(dir.resolve("models"));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    String tiny() {
        return registry.name("library/tiny", "q8");
    }

    /** No listed model may miss a blob, and nothing half-done may look like a blob. */
    void assertStoreConsistent() throws Exception {
        for (var m : store.list(w -> {})) {
            for (var l : m.manifest().blobs()) {
                assertThat(store.hasBlob(l.digest(), l.size())).as(m.name() + " " + l.digest()).isTrue();
            }
        }
        if (Files.isDirectory(store.blobsDir())) {
            try (Stream<Path> files = Files.list(store.blobsDir())) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sha256-") && !n.contains("-partial"))
                        .forEach(n -> assertThat(Digest.fromFileName(n)).as(n).isNotNull());
            }
        }
    }

    @Test
    void pullListShowCopyRemove() throws Exception {
        Result pull = hearth("pull", "--insecure", tiny());
        assertThat(pull.exitCode()).as(pull.err()).isZero();
        assertThat(pull.out()).contains("pulling manifest")
                .contains("pulling " + tiny.modelDigest().shortHex() + ": 100% ")
                .contains("writing manifest").contains("success")
                .contains("memory: " + tiny() + " needs about").contains("fits comfortably");

        Result list = hearth("list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out().lines().toList()).hasSize(2);
        assertThat(list.out().lines().findFirst().orElseThrow()).matches("NAME\\s+ID\\s+SIZE\\s+MODIFIED");
        assertThat(list.out()).containsPattern(java.util.regex.Pattern.quote(tiny()) + "\\s+[0-9a-f]{12}\\s+3\\.58 MB\\s+.*ago");

        Result show = hearth("show", tiny());
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).containsPattern("architecture\\s+llama").containsPattern("parameters\\s+3\\.28M")
                .containsPattern("context length\\s+2048").containsPattern("embedding length\\s+256")
                .containsPattern("quantization\\s+Q8_0").contains("Capabilities").contains("completion")
                .containsPattern("temperature\\s+0\\.5").contains(TestModels.SYSTEM).contains("Template")
                .contains(TestModels.LICENSE).contains("Memory").contains("fits comfortably");
        Result modelfile = hearth("show", "--modelfile", tiny());
        assertThat(Modelfile.parse(modelfile.out()).system()).isEqualTo(TestModels.SYSTEM);
        assertThat(hearth("show", "--template", tiny()).out().strip()).isEqualTo(TestModels.TEMPLATE);

        assertThat(hearth("cp", tiny(), "mine").out()).contains("copied '" + tiny() + "' to 'mine'");
        assertThat(hearth("list").out()).contains("mine:latest").contains(tiny());
        Result rm = hearth("rm", tiny());
        assertThat(rm.out()).isEqualTo("deleted '" + tiny() + "'" + System.lineSeparator());
        // the copy shares every blob, so all of them stay
        assertThat(store.blobPath(tiny.modelDigest())).exists();
        assertThat(hearth("show", "mine").exitCode()).isZero();
        assertThat(hearth("rm", "mine").exitCode()).isZero();
        assertThat(hearth("list").out().lines()).hasSize(1);
        try (Stream<Path> blobs = Files.list(store.blobsDir())) {
            assertThat(blobs).isEmpty();
        }
        assertFailsWithOneLine(hearth("rm", "mine"), "model 'mine:latest' not found");
    }

    @Test
    void faultsLeaveTheStoreConsistentWithOneClearLine() throws Exception {
        assertFailsWithOneLine(hearth("pull", "--insecure", registry.name("library/nope", "x")),
                "model '" + registry.host() + "/library/nope:x' not found on " + registry.host());
        assertFailsWithOneLine(hearth("pull", "--insecure", registry.host() + "/../etc:passwd"), "invalid model name");

        registry.corrupt.put(tiny.modelDigest(), true);
        assertFailsWithOneLine(hearth("pull", "--insecure", tiny()), "failed verification");
        assertThat(store.list(w -> {})).isEmpty();
        assertThat(store.partialPath(tiny.modelDigest())).doesNotExist();
        registry.corrupt.clear();

        registry.manifestPadding = 3 << 20;
        assertFailsWithOneLine(hearth("pull", "--insecure", tiny()), "manifests are limited to");
        registry.manifestPadding = 0;

        registry.failPathContains = "/manifests/";
        registry.failCount.set(1);
        Result retried = hearth("pull", "--insecure", tiny());
        assertThat(retried.exitCode()).as(retried.err()).isZero();
        assertThat(retried.err()).contains("warning: fetching the manifest").contains("HTTP 500");
        assertStoreConsistent();
        assertThat(hearth("list").out()).contains(tiny());

        assertFailsWithOneLine(hearth("show", "nothing"), "model 'nothing:latest' not found",
                "hearth pull nothing:latest");
        assertFailsWithOneLine(hearth("cp", "nothing", "x"), "not found");
        assertFailsWithOneLine(hearth("cp", tiny(), "bad/../name"), "invalid model name");
        assertStoreConsistent();
    }

    @Test
    void createFromAGgufAndFromAnInstalledModel() throws Exception {
        Files.copy(TestModels.smallLlama(), dir.resolve("tiny.gguf"));
        Files.writeString(dir.resolve("Modelfile"), """
                FROM ./tiny.gguf
                SYSTEM You answer in haiku.
                PARAMETER temperature 0.3
                PARAMETER stop "<|end|>"
                MESSAGE user hello
                LICENSE MIT
                """);
        Result create = hearth("create", "poet", "-f", dir.resolve("Modelfile").toString());
        assertThat(create.exitCode()).as(create.err()).isZero();
        assertThat(create.out()).contains("gathering model components").contains("writing manifest").contains("success");
        assertThat(hearth("show", "--system", "poet").out().strip()).isEqualTo("You answer in haiku.");
        assertThat(hearth("show", "poet").out()).containsPattern("quantization\\s+Q2_K");

        Files.writeString(dir.resolve("Derived"), "FROM poet\nPARAMETER top_k 7\n");
        assertThat(hearth("create", "poet:v2", "-f", dir.resolve("Derived").toString()).exitCode()).isZero();
        Result params = hearth("show", "--parameters", "poet:v2");
        assertThat(params.out()).containsPattern("temperature\\s+0\\.3").containsPattern("top_k\\s+7");

        assertFailsWithOneLine(hearth("create", "x", "-f", dir.resolve("missing").toString()), "no such file", "missing");
        Files.writeString(dir.resolve("Bad"), "FROM ./tiny.gguf\nPARAMETER nonsense 1\n");
        assertFailsWithOneLine(hearth("create", "x", "-f", dir.resolve("Bad").toString()),
                "Modelfile line 2: unknown parameter 'nonsense'");
        assertFailsWithOneLine(hearth("create", "x", "-f", dir.resolve("Modelfile").toString(), "--quantize", "q4_k_m"),
                "already quantized");
        assertThat(hearth("list").out().lines()).hasSize(3);
        assertStoreConsistent();
    }

    @Test
    void generateRunsAnInstalledModelByName() throws Exception {
        assertThat(hearth("pull", "--insecure", tiny()).exitCode()).isZero();
        String[] common = {"--prompt", "Once upon a time", "--max-tokens", "8", "--temperature", "0", "--json"};
        Result byName = hearth(concat(new String[] {"generate", "--model", tiny()}, common));
        assertThat(byName.exitCode()).as(byName.err()).isZero();
        Result byFile = hearth(concat(new String[] {"generate", "--model", TestModels.llamaQ8().toString()}, common));
        assertThat(byFile.exitCode()).as(byFile.err()).isZero();
        var mapper = new tools.jackson.databind.ObjectMapper();
        assertThat(mapper.readTree(byName.out()).get("tokens")).isEqualTo(mapper.readTree(byFile.out()).get("tokens"));
        assertThat(mapper.readTree(byName.out()).get("tokens").size()).isPositive();

        assertFailsWithOneLine(hearth("generate", "--model", "absent", "--prompt", "x"),
                "model 'absent:latest' not found; pull it with 'hearth pull absent:latest'");
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void listWorksOnAnEmptyOrMissingStoreWithoutCreatingIt() {
        Result list = hearth("list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out().strip()).matches("NAME\\s+ID\\s+SIZE\\s+MODIFIED");
        assertThat(dir.resolve("models")).doesNotExist();
    }

    @Test
    void doctorDescribesThisMachine() throws Exception {
        assertThat(hearth("pull", "--insecure", tiny()).exitCode()).isZero();
        Result r = hearth("doctor");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("CPU").contains("cores").contains("vectors").containsPattern("\\d+-bit")
                .contains("memory").contains("model store").contains(dir.resolve("models").toString())
                .contains("1 model (3.58 MB)").contains("Java").contains("Model sizes on this machine")
                .contains("llama3.1:8b").contains("setting      HEARTH_MODELS=");
    }

    @Test
    void namesResolveCaseInsensitivelyAndRejectBadOnes() throws Exception {
        assertThat(hearth("pull", "--insecure", tiny()).exitCode()).isZero();
        assertThat(hearth("show", tiny().toUpperCase()).exitCode()).isZero();
        assertFailsWithOneLine(hearth("show", "a/b/c/d/e"), "invalid model name");
        assertThat(store.find(ModelName.parse(tiny()))).isPresent();
    }
}
