package dev.hearth.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Golden test: testdata/dequant-samples.json holds, for every quantized test model, the first rows of each
 * tensor as llama.cpp dequantizes them. Both the scalar and the fastest kernels must reproduce them bit for
 * bit, and the scalar dot product must equal the float sum of those exact values.
 */
class GoldenDequantTest {

    /** The types the samples contain; all of them must pass. */
    private static final Set<GgmlType> SAMPLED_TYPES = EnumSet.of(GgmlType.F32, GgmlType.Q4_0, GgmlType.Q4_1,
            GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K,
            GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS);

    private static Map<String, JsonNode> samples;

    static Path testdata() {
        return Path.of(System.getProperty("hearth.testdata", "../testdata"));
    }

    static synchronized Map<String, JsonNode> samples() throws IOException {
        if (samples == null) {
            JsonNode root;
            try (var in = Files.newInputStream(testdata().resolve("dequant-samples.json"))) {
                root = new ObjectMapper().readTree(in);
            }
            Map<String, JsonNode> byModel = new TreeMap<>();
            for (var e : root.properties()) {
                byModel.put(e.getKey(), e.getValue());
            }
            samples = byModel;
        }
        return samples;
    }

    static List<String> models() throws IOException {
        return new ArrayList<>(samples().keySet());
    }

    @Test
    void samplesCoverEveryExpectedType() throws IOException {
        Set<GgmlType> seen = EnumSet.noneOf(GgmlType.class);
        for (JsonNode tensors : samples().values()) {
            for (JsonNode t : tensors) {
                seen.add(GgmlType.valueOf(t.get("type").asString()));
            }
        }
        assertThat(seen).isEqualTo(SAMPLED_TYPES);
    }

    @ParameterizedTest
    @MethodSource("models")
    void dequantizationMatchesLlamaCppBitForBit(String model) throws IOException {
        List<String> failures = new ArrayList<>();
        int rowsChecked = 0;
        try (GgufFile file = GgufFile.open(testdata().resolve("models").resolve(model))) {
            for (JsonNode sample : samples().get(model)) {
                String name = sample.get("tensor").asString();
                GgufTensorInfo info = file.tensor(name);
                GgmlType type = GgmlType.valueOf(sample.get("type").asString());
                assertThat(info.type()).as(name).isEqualTo(type);
                int n = sample.get("row_length").asInt();
                assertThat(info.rowLength()).as(name).isEqualTo(n);
                MemorySegment data = file.tensorData(info);
                JsonNode rows = sample.get("rows");
                for (int r = 0; r < rows.size(); r++) {
                    float[] expected = floats(rows.get(r));
                    long offset = r * info.rowBytes();
                    for (RowKernel kernel : List.of(TensorKernels.scalar(type), TensorKernels.fastest(type))) {
                        float[] actual = new float[n + 3];
                        kernel.dequantize(data, offset, actual, 3, n);
                        String diff = firstDifference(expected, actual, 3);
                        if (diff != null) {
                            failures.add(name + " (" + type + ", " + kernel.getClass().getSimpleName() + ") row " + r
                                    + ": " + diff);
                        }
                    }
                    checkScalarDot(type, data, offset, expected);
                    rowsChecked++;
                }
            }
        }
        assertThat(failures).as(model).isEmpty();
        assertThat(rowsChecked).isPositive();
    }

    /** The reference dot product is exactly the in-order float sum of (exact value) * x. */
    private static void checkScalarDot(GgmlType type, MemorySegment data, long offset, float[] w) {
        Random random = new Random(w.length * 31L + offset);
        float[] x = new float[w.length];
        float expected = 0f;
        for (int i = 0; i < w.length; i++) {
            x[i] = (float) random.nextGaussian();
            expected += w[i] * x[i];
        }
        float actual = TensorKernels.scalar(type).dot(data, offset, x, 0, w.length);
        assertThat(Float.floatToRawIntBits(actual)).as("%s scalar dot", type)
                .isEqualTo(Float.floatToRawIntBits(expected));
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            double d = array.get(i).doubleValue();
            v[i] = (float) d;
            if ((double) v[i] != d) {
                throw new AssertionError("sample value " + d + " is not a float32");
            }
        }
        return v;
    }

    private static String firstDifference(float[] expected, float[] actual, int actualOffset) {
        int count = 0;
        int first = -1;
        double maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            float a = actual[actualOffset + i];
            if (Float.floatToRawIntBits(a) != Float.floatToRawIntBits(expected[i])) {
                if (first < 0) {
                    first = i;
                }
                count++;
                maxAbs = Math.max(maxAbs, Math.abs((double) a - expected[i]));
            }
        }
        if (first < 0) {
            return null;
        }
        return count + " of " + expected.length + " values differ, first at " + first + " (expected "
                + expected[first] + ", got " + actual[actualOffset + first] + "), max |diff| " + maxAbs;
    }
}
