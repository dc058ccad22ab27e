package dev.hearth.store.library;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.store.Digest;
import dev.hearth.store.ModelStore;
import dev.hearth.store.pull.PullOptions;
import dev.hearth.store.testing.TestModels;
import dev.hearth.store.testing.TestRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store laid out exactly as Ollama writes it (its manifest encoding with a trailing newline and "from"
 * fields, its partial-download leftovers, a non-model "kind" directory): Hearth lists, shows and resolves its
 * models, and reading changes nothing at all.
 */
class OllamaStoreTest {

    @TempDir
    Path root;

    Digest model;
    String manifestText;

    Digest blob(byte[] data) throws IOException {
        Digest d = TestRegistry.digestOf(data);
        Files.createDirectories(root.resolve("blobs"));
        Files.write(root.resolve("blobs").resolve(d.fileName()), data);
        return d;
    }

    @BeforeEach
    void ollamaStore() throws IOException {
        byte[] weights = Files.readAllBytes(TestModels.llamaQ8());
        model = blob(weights);
        byte[] template = "{{ .Prompt }}".getBytes(StandardCharsets.UTF_8);
        Digest t = blob(template);
        byte[] params = "{\"stop\":[\"</s>\"],\"num_ctx\":1024}".getBytes(StandardCharsets.UTF_8);
        Digest p = blob(params);
        byte[] config = ("{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],"
                + "\"model_type\":\"3M\",\"file_type\":\"Q8_0\",\"renderer\":\"\",\"parser\":\"\","
                + "\"remote_host\":\"\",\"remote_model\":\"\",\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + model + "\",\"" + t + "\",\"" + p + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        Digest c = blob(config);
        manifestText = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" + c
                + "\",\"size\":" + config.length + "},\"layers\":["
                + "{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"" + model + "\",\"size\":"
                + weights.length + ",\"from\":\"/root/.ollama/models/blobs/" + model.fileName() + "\"},"
                + "{\"mediaType\":\"application/vnd.ollama.image.template\",\"digest\":\"" + t + "\",\"size\":"
                + template.length + "},"
                + "{\"mediaType\":\"application/vnd.ollama.image.params\",\"digest\":\"" + p + "\",\"size\":"
                + params.length + "}]}\n";
        Path manifest = root.resolve("manifests/registry.ollama.ai/library/tiny/latest");
        Files.createDirectories(manifest.getParent());
        Files.writeString(manifest, manifestText);
        // an unrelated kind of entry, and an interrupted Ollama download
        Files.createDirectories(root.resolve("manifests/registry.ollama.ai/library/skill/helper"));
        Files.writeString(root.resolve("manifests/registry.ollama.ai/library/skill/helper/latest"), "{}");
        Files.write(root.resolve("blobs/sha256-" + "e".repeat(64) + "-partial"), new byte[100]);
        Files.writeString(root.resolve("blobs/sha256-" + "e".repeat(64) + "-partial-0"),
                "{\"N\":0,\"Offset\":0,\"Size\":100,\"Completed\":50}");
    }

    Map<String, String> snapshot() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                out.put(root.relativize(p).toString(), a.size() + "@" + a.lastModifiedTime().toMillis());
            }
        }
        return out;
    }

    @Test
    void readsAnOllamaStoreWithoutTouchingIt() throws Exception {
        Map<String, String> before = snapshot();
        LocalModelLibrary library = new LocalModelLibrary(new ModelStore(root), PullOptions.defaults(), 1L << 34, 4096,
                w -> {});
        assertThat(library.list()).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo("tiny:latest");
            assertThat(m.id()).isEqualTo(TestRegistry.digestOf(manifestText.getBytes(StandardCharsets.UTF_8)).shortHex());
            assertThat(m.family()).isEqualTo("llama");
            assertThat(m.quantization()).isEqualTo("Q8_0");
        });
        ModelDetails d = library.show("tiny");
        assertThat(d.template()).isEqualTo("{{ .Prompt }}");
        assertThat(d.parameters()).containsEntry("num_ctx", 1024);
        assertThat(d.memory().contextLength()).isEqualTo(1024);
        ResolvedModel r = library.resolver().resolve("tiny");
        assertThat(r.modelPath()).isEqualTo(root.resolve("blobs").resolve(model.fileName()));
        assertThat(r.stop()).containsExactly("</s>");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void writesStayInOllamasFormat() throws Exception {
        LocalModelLibrary library = new LocalModelLibrary(new ModelStore(root), PullOptions.defaults(), 0, 4096, w -> {});
        library.copy("tiny", "other");
        assertThat(root.resolve("manifests/registry.ollama.ai/library/other/latest")).hasContent(manifestText);
        library.delete("tiny");
        // shared blobs stay; Ollama's own partial download is not ours to remove
        assertThat(root.resolve("blobs").resolve(model.fileName())).exists();
        assertThat(root.resolve("blobs/sha256-" + "e".repeat(64) + "-partial-0")).exists();
        assertThat(root.resolve("manifests/registry.ollama.ai/library/skill/helper/latest")).exists();
        assertThat(library.list()).extracting(ModelSummary::name).containsExactly("other:latest");
    }
}
