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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelBenchmarkTest {

    @TempDir
    Path dir;

    /**
     * The generation loop allocates nothing: after warm-up (the JIT compiles the kernels), a run of generated
     * tokens on two compute threads leaves the heap allocation counters of the caller and of the pool's
     * worker threads unchanged. Every weight type of the benchmarks, two threads.
     */
    @Tag("slow") // warms the JIT up for four models: about 20 s
    @ParameterizedTest
    @EnumSource(value = FileType.class, names = {"Q4_0", "Q8_0", "Q4_K_M", "F16"})
    void generatedTokensAllocateNothing(FileType type) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        RandomModelWriter.write(ModelShape.named("tiny"), type, file, 5);
        try (GgufFile gguf = GgufFile.open(file); ComputePool pool = new ComputePool(2)) {
            Model model = Architectures.load(gguf);
            ModelBenchmark bench = new ModelBenchmark(model, pool, 8, 16);
            assertThat(bench.promptRun()).isPositive();
            double perToken = Double.NaN;
            for (int round = 0; round < 200 && !(perToken == 0); round++) {
                for (int i = 0; i < 20; i++) {
                    bench.generationRun();
                }
                perToken = bench.allocatedBytesPerGeneratedToken();
            }
            assertThat(perToken).as("%s: heap bytes allocated per generated token", type).isZero();
        }
    }

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
