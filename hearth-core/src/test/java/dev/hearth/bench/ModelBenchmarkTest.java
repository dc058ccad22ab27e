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
}
