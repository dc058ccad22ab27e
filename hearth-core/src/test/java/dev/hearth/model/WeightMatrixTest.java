package dev.hearth.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.tensor.InterleavedMatrix;
import dev.hearth.tensor.MatmulKernel;
import dev.hearth.tensor.TensorKernels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loading a matrix from a real GGUF file: Q4_0 and Q4_K matrices are repacked exactly where
 * {@link InterleavedMatrix#applies} says so, and every read of a matrix (row lookup, gemv with and without
 * scratch, a view of whole groups) gives what the file's rows give, whichever layout serves it.
 */
class WeightMatrixTest {
    private static final Path MODELS = Path.of(System.getProperty("hearth.testdata", "../testdata")).resolve("models");

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm-Q4_0.gguf", "llama-spm-Q4_K_M.gguf", "llama-spm-Q8_0.gguf"})
    void readsMatchTheFileRowsInEitherLayout(String model) throws IOException {
        try (GgufFile file = GgufFile.open(MODELS.resolve(model))) {
            GgufTensorInfo info = file.tensor("blk.0.ffn_gate.weight");
            int cols = (int) info.shape()[0];
            int rows = (int) info.rows();
            WeightMatrix m = WeightMatrix.load(file, RepackedMatrices.inMemory(file), info.name(), cols, rows);
            assertThat(m.repacked()).as(model).isEqualTo(InterleavedMatrix.applies(info.type(), rows, cols));
            if (InterleavedMatrix.applies(info.type(), 64, 256)) {
                // The golden models are where the repacked path meets llama.cpp's logits: their shapes must qualify.
                assertThat(m.repacked()).as(model).isTrue();
            }
            float[][] exact = new float[rows][cols];
            for (int r = 0; r < rows; r++) {
                TensorKernels.scalar(info.type()).dequantize(file.tensorData(info), r * info.rowBytes(), exact[r], 0, cols);
                float[] got = new float[cols];
                m.dequantizeRow(r, got, 0);
                assertThat(got).as("%s row %d", model, r).containsExactly(exact[r]);
            }
            float[] x = new float[cols];
            Random random = new Random(7);
            for (int i = 0; i < cols; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] plain = new float[rows];
            float[] withScratch = new float[rows];
            m.gemv(0, rows, x, 0, plain, 0);
            m.gemv(0, rows, x, 0, withScratch, 0, new float[MatmulKernel.gemvScratchLength(cols)]);
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    sum += (double) exact[r][c] * x[c];
                    magnitude += Math.abs((double) exact[r][c] * x[c]);
                }
                assertThat((double) plain[r]).as("%s row %d", model, r)
                        .isCloseTo(sum, org.assertj.core.api.Assertions.offset(1e-5 * magnitude));
                // With scratch, repacked matrices round x to 8-bit blocks: within 1% of the terms.
                assertThat((double) withScratch[r]).as("%s row %d with scratch", model, r)
                        .isCloseTo(sum, org.assertj.core.api.Assertions.offset(0.01 * magnitude));
            }
            WeightMatrix view = m.rowRange("part", 32, 64);
            assertThat(view.repacked()).isEqualTo(m.repacked());
            float[] row = new float[cols];
            view.dequantizeRow(5, row, 0);
            assertThat(row).containsExactly(exact[37]);
        }
    }
}
