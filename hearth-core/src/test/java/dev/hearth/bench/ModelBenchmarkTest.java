package dev.hearth.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.convert.FileType;
import dev.hearth.convert.ModelShape;
import dev.hearth.convert.RandomModelWriter;
import dev.hearth.engine.ComputePool;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.model.Architectures;
import dev.hearth.model.Model;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelBenchmarkTest {

    @TempDir
    Path dir;

    /** Bytes per token: every tensor read once (the tied embedding once, as the output), not the rope factors. */
    @ParameterizedTest
    @EnumSource(value = FileType.class, names = {"Q4_0", "F16"})
    void bytesPerTokenCountsEveryWeightOnce(FileType type) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        RandomModelWriter.write(ModelShape.named("tiny"), type, file, 5);
        try (GgufFile gguf = GgufFile.open(file)) {
            long expected = 0;
            for (GgufTensorInfo t : gguf.tensors()) {
                if (!t.name().equals("rope_freqs.weight")) {
                    expected += t.byteSize();
                }
            }
            assertThat(ModelBenchmark.bytesPerToken(Architectures.load(gguf))).isEqualTo(expected);
        }
    }

    /** Runs at a depth continue a context of that many tokens, processed once and kept between runs. */
    @org.junit.jupiter.api.Test
    void runsAtADepthStartFromThatManyCachedTokens() throws IOException {
        Path file = dir.resolve("tiny.gguf");
        RandomModelWriter.write(ModelShape.named("tiny"), FileType.Q8_0, file, 5);
        try (GgufFile gguf = GgufFile.open(file); ComputePool pool = new ComputePool(2)) {
            Model model = Architectures.load(gguf);
            // 20 is not a multiple of the 8-token prompt batch the fill uses when -p is larger than it.
            ModelBenchmark bench = new ModelBenchmark(model, pool, 8, 4, 20);
            assertThat(bench.cachedPositions()).isZero();
            bench.generationRun();
            assertThat(bench.cachedPositions()).isEqualTo(24);
            bench.promptRun();
            assertThat(bench.cachedPositions()).isEqualTo(28);
            bench.generationRun();
            assertThat(bench.cachedPositions()).isEqualTo(24);
            assertThat(new ModelBenchmark(model, pool, 8, 4).cachedPositions()).isZero();
            // tiny: 2 layers, 2 KV heads of 32, keys and values as floats.
            assertThat(ModelBenchmark.kvBytesPerPosition(model)).isEqualTo(4L * 2 * (64 + 64));
        }
    }
}
