package dev.hearth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
    static final String HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void parsesAndFormats() throws Exception {
        Digest d = Digest.parse("sha256:" + HEX);
        assertThat(d.toString()).isEqualTo("sha256:" + HEX);
        assertThat(d.fileName()).isEqualTo("sha256-" + HEX);
        assertThat(d.shortHex()).isEqualTo("e3b0c44298fc");
        assertThat(Digest.fromFileName("sha256-" + HEX)).isEqualTo(d);
        assertThat(Digest.of(MessageDigest.getInstance("SHA-256").digest(new byte[0]))).isEqualTo(d);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "sha256:", "sha256-" + HEX, "sha512:" + HEX, "SHA256:" + HEX, "sha256:" + HEX + "0",
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "sha256:../../../../etc/passwd", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/"
    })
    void rejectsAnythingButLowercaseSha256(String text) {
        assertThatThrownBy(() -> Digest.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected sha256: followed by 64 lowercase hex digits");
    }

    @Test
    void fileNamesOtherThanBlobsAreNotDigests() {
        assertThat(Digest.fromFileName("sha256-" + HEX + "-partial")).isNull();
        assertThat(Digest.fromFileName(".sha256-" + HEX)).isNull();
        assertThat(Digest.fromFileName("sha256-" + HEX.toUpperCase())).isNull();
        assertThatThrownBy(() -> Digest.of(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }
}
