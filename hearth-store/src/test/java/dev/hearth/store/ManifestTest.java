package dev.hearth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static final String A = "sha256:" + "a".repeat(64);
    static final String B = "sha256:" + "b".repeat(64);
    static final String C = "sha256:" + "c".repeat(64);

    static byte[] json(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    static final String GOOD = "{'schemaVersion':2,'mediaType':'application/vnd.docker.distribution.manifest.v2+json',"
            + "'config':{'mediaType':'application/vnd.docker.container.image.v1+json','digest':'" + A + "','size':10},"
            + "'layers':[{'mediaType':'application/vnd.ollama.image.model','digest':'" + B + "','size':1000},"
            + "{'mediaType':'application/vnd.ollama.image.template','digest':'" + C + "','size':20}]}";

    @Test
    void parsesOllamaManifest() throws Exception {
        Manifest m = Manifest.parse(json(GOOD));
        assertThat(m.config().digest().toString()).isEqualTo(A);
        assertThat(m.layers()).hasSize(2);
        assertThat(m.modelLayer()).get().extracting(Layer::size).isEqualTo(1000L);
        assertThat(m.layers(MediaTypes.TEMPLATE)).hasSize(1);
        assertThat(m.totalSize()).isEqualTo(1030);
        assertThat(m.blobs()).extracting(l -> l.digest().toString()).containsExactly(A, B, C);
        assertThat(Manifest.parse(m.toJson())).isEqualTo(m);
    }

    @Test
    void rejectsHostileManifests() {
        assertThatThrownBy(() -> Manifest.parse(json("[]"))).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> Manifest.parse(json("{"))).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replace("'schemaVersion':2", "'schemaVersion':1"))))
                .hasMessageContaining("schemaVersion must be 2");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replace(B, "sha256:../../etc/passwd"))))
                .hasMessageContaining("invalid digest");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replace("'size':1000", "'size':-1"))))
                .hasMessageContaining("no valid size");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replace("'size':1000", "'size':1e3"))))
                .hasMessageContaining("no valid size");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replace("'size':1000", "'size':99999999999999999999"))))
                .hasMessageContaining("no valid size");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replace("'size':1000", "'size':9223372036854775807"))))
                .hasMessageContaining("more than 2^63");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replace(C, B))))
                .hasMessageContaining("twice with different sizes");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replace("manifest.v2+json", "manifest.list.v2+json"))))
                .hasMessageContaining("unsupported manifest media type");
        assertThatThrownBy(() -> Manifest.parse(json("{'schemaVersion':2,'schemaVersion':2}")))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Manifest.parse(json(GOOD.replaceAll("'layers':\\[.*\\]", "'layers':[]"))))
                .hasMessageContaining("no layers");
        assertThatThrownBy(() -> Manifest.parse(new byte[Manifest.MAX_BYTES + 1]))
                .hasMessageContaining("more than the limit");
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertThatThrownBy(() -> Manifest.parse(json(deep))).hasMessageContaining("not valid JSON");
    }
}
