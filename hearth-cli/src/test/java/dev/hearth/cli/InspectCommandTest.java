package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.gguf.GgufValue;
import dev.hearth.gguf.GgufValueType;
import dev.hearth.gguf.GgufWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** {@code hearth inspect}, run in-process through {@link Main#run} with stdout and stderr captured. */
class InspectCommandTest {

    @TempDir
    Path dir;

    record Result(int exitCode, String out, String err) {}

    static synchronized Result hearth(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Path testdata(String relative) {
        Path p = Path.of(System.getProperty("hearth.testdata", "../testdata"), relative);
        assertThat(p).exists();
        return p;
    }

    /** Expects exit status 1 and exactly one line on stderr, "hearth: " + something containing {@code parts}. */
    static void assertFailsWithOneLine(Result r, String... parts) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("hearth: ").endsWith(System.lineSeparator());
        assertThat(r.err().strip().lines()).hasSize(1);
        for (String part : parts) {
            assertThat(r.err()).contains(part);
        }
    }

    // ---- the table ---------------------------------------------------------------------------------

    @Test
    void tableOfARealModel() throws Exception {
        Path model = testdata("models/llama-spm-Q4_0.gguf");
        Result r = hearth("inspect", model.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        List<String> lines = r.out().lines().toList();
        try (GgufFile f = GgufFile.open(model)) {
            assertThat(lines.get(0)).isEqualTo("GGUF file: " + model);
            assertThat(lines.get(1)).isEqualTo("  version 3, 24 key/value pairs, 21 tensors, " + f.fileSize()
                    + " bytes (alignment 32, tensor data at offset " + f.dataOffset() + ")");
            // Header lines, one line per key, a blank line, two header lines, one line per tensor.
            assertThat(lines).hasSize(3 + 2 + f.metadata().size() + 1 + 2 + f.tensors().size());
            assertThat(r.out())
                    .contains("      1  STRING              1  general.architecture = \"llama\"\n")
                    .contains("  [STRING]         4096  tokenizer.ggml.tokens = [\"<unk>\", \"<s>\", \"</s>\", "
                            + "\"<0x00>\", \"<0x01>\", \"<0x02>\", ... 4090 more]\n")
                    .contains("  FLOAT32             1  llama.attention.layer_norm_rms_epsilon = 1.0E-5\n")
                    .contains("  BOOL                1  tokenizer.ggml.add_bos_token = true\n")
                    .contains("* 21 tensors\n");
            for (GgufTensorInfo t : f.tensors()) {
                String line = lines.stream().filter(l -> l.contains(" " + t.name() + " ")).findFirst().orElseThrow();
                assertThat(line.trim().split(" +")).containsSubsequence(
                        t.name(), t.type().toString(), String.valueOf(t.elementCount()),
                        String.valueOf(f.tensorFileOffset(t)));
                assertThat(line).contains(java.util.Arrays.toString(t.shape()));
            }
        }
    }

    @Test
    void everyValueTypeIsShownAndLongOrHostileValuesAreTamed() throws Exception {
        Path file = dir.resolve("types.gguf");
        new GgufWriter()
                .putUInt8("t.u8", 255)
                .putInt8("t.i8", -1)
                .putUInt64("t.u64", -1L)
                .putFloat64("t.f64", 0.1)
                .putString("t.template", "{% for m in messages %}\n\t\"" + "x".repeat(100))
                .putString("t.escape", "\u001b[2J\u0007bell")
                .putArray("t.u8s", new GgufValue.GgufArray(GgufValueType.UINT8, new byte[] {(byte) 200, 1}))
                .putArray("t.u64s", new GgufValue.GgufArray(GgufValueType.UINT64, new long[] {-1L}))
                .putArray("t.bools", new GgufValue.GgufArray(GgufValueType.BOOL, new boolean[] {true, false}))
                .putStringArray("t.long_tokens", "y".repeat(40), "ok")
                .putArray("t.nested", GgufValue.GgufArray.ofArrays(GgufValue.GgufArray.ofInts(1, 2, 3, 4, 5, 6, 7),
                        GgufValue.GgufArray.ofStrings("z")))
                .putArray("t.empty_nested", GgufValue.GgufArray.ofArrays())
                .addTensor("tab\tname", new long[] {2}, new float[] {1, 2})
                .write(file);
        Result r = hearth("inspect", file.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("  UINT8               1  t.u8 = 255\n")
                .contains("  INT8                1  t.i8 = -1\n")
                .contains("  UINT64              1  t.u64 = 18446744073709551615\n")
                .contains("  FLOAT64             1  t.f64 = 0.1\n")
                .contains("t.template = \"{% for m in messages %}\\n\\t\\\"" + "x".repeat(31) + "...\" (126 chars)\n")
                .contains("t.escape = \"\\u001b[2J\\u0007bell\"\n")
                .contains("  [UINT8]             2  t.u8s = [200, 1]\n")
                .contains("  [UINT64]            1  t.u64s = [18446744073709551615]\n")
                .contains("  [BOOL]              2  t.bools = [true, false]\n")
                .contains("t.long_tokens = [\"" + "y".repeat(27) + "...\", \"ok\"]\n")
                .contains("  [[INT32]]           2  t.nested = [[1, 2, 3, 4, 5, 6, ... 1 more], [\"z\"]]\n")
                .contains("  [ARRAY]             0  t.empty_nested = []\n")
                .contains(" tab\\u0009name ")
                .doesNotContain("\u001b")
                .doesNotContain("\t");
    }

    @Test
    void fileWithoutTensors() {
        Result r = hearth("inspect", testdata("tokenizer/ggml-vocab-gpt-2.gguf").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains(", 0 tensors, ").doesNotContain("* 0 tensors").doesNotContain("file offset");
    }

    // ---- rows --------------------------------------------------------------------------------------

    /** testdata/dequant-samples.json: the first rows of every tensor of the quantized models, from llama.cpp. */
    static Map<String, JsonNode> goldenSamples() throws Exception {
        JsonNode root = new ObjectMapper().readTree(Files.readString(testdata("dequant-samples.json")));
        Map<String, JsonNode> byModel = new TreeMap<>();
        root.properties().forEach(e -> byModel.put(e.getKey(), e.getValue()));
        return byModel;
    }

    static float[][] parseRows(String json) throws Exception {
        JsonNode rows = new ObjectMapper().readTree(json); // it must be valid JSON
        float[][] out = new float[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            out[r] = new float[rows.get(r).size()];
        }
        // Values are read back from their text with Float.parseFloat: the printed form must name the float exactly.
        String[] rowTexts = json.strip().replaceAll("^\\[\\s*\\[|\\]\\s*\\]$", "").split("\\]\\s*,\\s*\\[");
        assertThat(rowTexts).hasSize(rows.size());
        for (int r = 0; r < rowTexts.length; r++) {
            String[] values = rowTexts[r].split(",");
            assertThat(values).hasSize(out[r].length);
            for (int i = 0; i < values.length; i++) {
                out[r][i] = Float.parseFloat(values[i].strip());
            }
        }
        return out;
    }

    @Test
    void jsonRowsMatchLlamaCppDequantizationExactly() throws Exception {
        int compared = 0;
        java.util.Set<String> typesSeen = new java.util.HashSet<>();
        for (Map.Entry<String, JsonNode> model : goldenSamples().entrySet()) {
            String path = testdata("models/" + model.getKey()).toString();
            for (JsonNode sample : model.getValue()) {
                String tensor = sample.get("tensor").asString();
                // Each model's first tensor of each type, and every tensor with longer rows (ffn_down).
                if (!typesSeen.add(model.getKey() + sample.get("type").asString()) && !tensor.contains("ffn_down")) {
                    continue;
                }
                JsonNode expectedRows = sample.get("rows");
                Result r = hearth("inspect", path, "--tensor", tensor, "--rows", String.valueOf(expectedRows.size()), "--json");
                assertThat(r.exitCode()).as(model.getKey() + " " + tensor + ": " + r.err()).isZero();
                float[][] rows = parseRows(r.out());
                assertThat(rows.length).isEqualTo(expectedRows.size());
                for (int row = 0; row < rows.length; row++) {
                    JsonNode expected = expectedRows.get(row);
                    assertThat(rows[row]).hasSize(expected.size());
                    for (int i = 0; i < rows[row].length; i++) {
                        float want = (float) expected.get(i).asDouble();
                        if (Float.floatToRawIntBits(rows[row][i]) != Float.floatToRawIntBits(want)) {
                            throw new AssertionError(model.getKey() + " " + tensor + " row " + row + " element " + i
                                    + ": got " + rows[row][i] + ", llama.cpp has " + want);
                        }
                    }
                }
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(100);
    }

    @Test
    void longRowsAreDequantizedInChunks() throws Exception {
        // Rows of 70,000 elements: more than one 65,536-element chunk.
        float[] values = new float[140_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i) * 1e-3f * i;
        }
        Path file = dir.resolve("long.gguf");
        new GgufWriter().addTensor("long_rows", new long[] {70_000, 2}, values).write(file);
        Result r = hearth("inspect", file.toString(), "--tensor", "long_rows", "--rows", "2", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        float[][] rows = parseRows(r.out());
        assertThat(java.util.Arrays.equals(rows[0], java.util.Arrays.copyOfRange(values, 0, 70_000))).isTrue();
        assertThat(java.util.Arrays.equals(rows[1], java.util.Arrays.copyOfRange(values, 70_000, 140_000))).isTrue();
    }

    @Test
    void nanAndInfinityBecomeNullWithAWarning() throws Exception {
        Path file = dir.resolve("nan.gguf");
        new GgufWriter().addTensor("odd", new long[] {4}, new float[] {Float.NaN, 1.5f, Float.POSITIVE_INFINITY, -0f}).write(file);
        Result r = hearth("inspect", file.toString(), "--tensor", "odd", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("[\n  [null,1.5,null,-0.0]\n]\n");
        assertThat(new ObjectMapper().readTree(r.out()).get(0).get(0).isNull()).isTrue();
        assertThat(r.err()).isEqualTo("hearth: warning: 2 values of tensor 'odd' are NaN or infinite, printed as null"
                + " (JSON has no such numbers)" + System.lineSeparator());
    }

    @Test
    void rowsAsText() throws Exception {
        Path file = dir.resolve("text.gguf");
        new GgufWriter().addTensor("m", new long[] {3, 2}, new float[] {1, 2.5f, Float.NaN, -4, 5, 6}).write(file);
        Result r = hearth("inspect", file.toString(), "--tensor", "m", "--rows", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("tensor 'm': F32 [3, 2], first 2 rows of 3:\n1.0 2.5 NaN\n-4.0 5.0 6.0\n");
    }

    // ---- errors ------------------------------------------------------------------------------------

    @Test
    void missingFile() {
        assertFailsWithOneLine(hearth("inspect", dir.resolve("absent.gguf").toString()), "absent.gguf", "no such file");
    }

    @Test
    void malformedFile() throws Exception {
        Path file = dir.resolve("cut.gguf");
        byte[] model = Files.readAllBytes(testdata("models/llama-spm-Q8_0.gguf"));
        Files.write(file, java.util.Arrays.copyOf(model, 1000));
        assertFailsWithOneLine(hearth("inspect", file.toString()), "hearth: cut.gguf: ",
                "'tokenizer.ggml.tokens': array length 4096 is impossible");
        Files.writeString(file, "not a model at all");
        assertFailsWithOneLine(hearth("inspect", file.toString()), "not a GGUF file");
    }

    @Test
    void unknownTensor() {
        String model = testdata("models/llama-spm-Q8_0.gguf").toString();
        assertFailsWithOneLine(hearth("inspect", model, "--tensor", "blk.9.attn_q.weight", "--json"),
                "no tensor named 'blk.9.attn_q.weight'", "21 tensors");
    }

    @Test
    void rowCountOutOfRange() {
        String model = testdata("models/llama-spm-Q8_0.gguf").toString();
        assertFailsWithOneLine(hearth("inspect", model, "--tensor", "token_embd.weight", "--rows", "4097"),
                "--rows 4097 is out of range: tensor 'token_embd.weight' has 4096 rows");
        assertFailsWithOneLine(hearth("inspect", model, "--tensor", "token_embd.weight", "--rows", "0"),
                "--rows 0 is out of range");
        assertFailsWithOneLine(hearth("inspect", model, "--tensor", "token_embd.weight", "--rows", "-3", "--json"),
                "--rows -3 is out of range");
        assertFailsWithOneLine(hearth("inspect", model, "--rows", "2"), "--rows and --json need --tensor NAME");
    }

    @Test
    void unsupportedTensorType() throws Exception {
        Path file = dir.resolve("iq2.gguf");
        new GgufWriter().addTensor("w", GgmlType.IQ2_XXS, new long[] {256}, new byte[GgmlType.IQ2_XXS.typeSize()]).write(file);
        assertFailsWithOneLine(hearth("inspect", file.toString(), "--tensor", "w"),
                "cannot dequantize tensor 'w': tensor type IQ2_XXS is not supported yet");
        // The table still shows the file.
        assertThat(hearth("inspect", file.toString()).out()).contains(" w ", "IQ2_XXS");
    }
}
