package dev.hearth.cli;

import static dev.hearth.cli.InspectCommandTest.assertFailsWithOneLine;
import static dev.hearth.cli.InspectCommandTest.hearth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.convert.FileType;
import dev.hearth.convert.ModelShape;
import dev.hearth.convert.RandomModelWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** {@code hearth bench} on a tiny random model, with tiny -p/-n so that it takes a second or two. */
class BenchCommandTest {

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws Exception {
        model = dir.resolve("tiny-q4_0.gguf");
        RandomModelWriter.write(ModelShape.named("tiny"), FileType.Q4_0, model, 1);
    }

    @Test
    void jsonHasLlamaBenchFields() throws Exception {
        InspectCommandTest.Result r = hearth("bench", "--model", model.toString(), "-p", "8", "-n", "4", "-t", "2",
                "-r", "2", "--bandwidth-mib", "16", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertThat(o.get("model").asString()).isEqualTo("tiny-q4_0.gguf");
        assertThat(o.get("size_bytes").asLong()).isPositive().isLessThanOrEqualTo(Files.size(model));
        assertThat(o.get("threads").asInt()).isEqualTo(2);
        assertThat(o.get("pp").get("n").asInt()).isEqualTo(8);
        assertThat(o.get("pp").get("tokens_per_second").asDouble()).isPositive();
        assertThat(o.get("tg").get("n").asInt()).isEqualTo(4);
        assertThat(o.get("tg").get("tokens_per_second").asDouble()).isPositive();
        assertThat(o.get("bandwidth_gbps").asDouble()).isPositive();
        double share = o.get("tg_share_of_limit").asDouble();
        double expected = o.get("tg").get("tokens_per_second").asDouble()
                * (o.get("bytes_per_token").asLong() + o.get("kv_bytes_per_token").asLong())
                / (o.get("bandwidth_gbps").asDouble() * 1e9);
        assertThat(o.get("n_depth").asInt()).isZero();
        assertThat(share).isPositive().isCloseTo(expected, org.assertj.core.api.Assertions.within(0.01 + expected * 0.02));
        for (String key : List.of("model", "size_bytes", "threads", "pp", "tg", "bandwidth_gbps", "tg_share_of_limit")) {
            assertThat(o.has(key)).as(key).isTrue();
        }
    }

    @Test
    void tablePrintsBothTestsAndTheBandwidthShare() {
        // Without --bandwidth-mib the test reads the model's own weights.
        InspectCommandTest.Result r = hearth("bench", "-m", model.toString(), "-p", "4", "-n", "2", "-t", "1", "-r", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("| pp4 ", "| tg2 ", "read bandwidth (of the weights' memory):", "reached");
    }

    @Test
    void depthRunsTheTestsAfterThatManyCachedTokens() throws Exception {
        InspectCommandTest.Result r = hearth("bench", "-m", model.toString(), "-p", "4", "-n", "2", "-d", "40", "-t", "1",
                "-r", "1", "--bandwidth-mib", "16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("| pp4 @ d40 ", "| tg2 @ d40 ", "of KV cache");
        InspectCommandTest.Result json = hearth("bench", "-m", model.toString(), "-p", "0", "-n", "2", "-d", "40", "-t",
                "1", "-r", "1", "--bandwidth-mib", "0", "--json");
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(json.out());
        assertThat(o.get("n_depth").asInt()).isEqualTo(40);
        // tiny: 1 KiB of keys and values per position; a token of tg2 at depth 40 sees 41.5 positions on average.
        assertThat(o.get("kv_bytes_per_token").asLong()).isEqualTo(1024L * 41 + 512);
    }

    @Test
    void badArgumentsFailWithOneLine() {
        assertFailsWithOneLine(hearth("bench", "-m", model.toString(), "-d", "5000"), "context length");
        assertFailsWithOneLine(hearth("bench", "-m", model.toString(), "-d", "-1"), "-d");
        assertFailsWithOneLine(hearth("bench", "-m", model.toString(), "-p", "0", "-n", "0"), "-p and -n");
        assertFailsWithOneLine(hearth("bench", "-m", model.toString(), "-t", "0"), "--threads");
        assertFailsWithOneLine(hearth("bench", "-m", dir.resolve("missing.gguf").toString()), "missing.gguf");
    }
}
