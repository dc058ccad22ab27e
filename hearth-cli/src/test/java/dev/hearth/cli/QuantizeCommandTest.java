package dev.hearth.cli;

import static dev.hearth.cli.InspectCommandTest.assertFailsWithOneLine;
import static dev.hearth.cli.InspectCommandTest.hearth;
import static dev.hearth.cli.InspectCommandTest.testdata;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.gguf.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hearth quantize}, in-process. The conversion itself is tested in hearth-core (ModelQuantizerTest). */
class QuantizeCommandTest {

    @TempDir
    Path dir;

    @Test
    void quantizesAsLlamaQuantizeDoes() throws Exception {
        Path out = dir.resolve("q4_0.gguf");
        InspectCommandTest.Result r = hearth("quantize", testdata("models/llama-spm-f32.gguf").toString(),
                out.toString(), "q4_0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote " + out);
        assertThat(Files.mismatch(out, testdata("models/llama-spm-Q4_0.gguf"))).isEqualTo(-1L);
    }

    @Test
    void writesARandomModelOfANamedShape() throws Exception {
        Path out = dir.resolve("tiny.gguf");
        InspectCommandTest.Result r = hearth("quantize", "--random", "tiny", out.toString(), "Q4_K_M");
        assertThat(r.exitCode()).as(r.err()).isZero();
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.getInt("general.file_type")).isEqualTo(15);
        }
    }

    @Test
    void badArgumentsFailWithOneLine() {
        String in = testdata("models/llama-spm-f32.gguf").toString();
        assertFailsWithOneLine(hearth("quantize", in, dir.resolve("x.gguf").toString(), "q3_k_s"), "q3_k_s", "q4_k_m");
        assertFailsWithOneLine(hearth("quantize", in, in, "q8_0"), "same file");
        assertFailsWithOneLine(hearth("quantize", "--random", "huge", dir.resolve("x.gguf").toString(), "q8_0"),
                "huge", "llama-3.2-1b");
        assertFailsWithOneLine(hearth("quantize", dir.resolve("missing.gguf").toString(), dir.resolve("x.gguf").toString(),
                "q8_0"), "missing.gguf");
        assertThat(dir.resolve("x.gguf")).doesNotExist();
    }
}
