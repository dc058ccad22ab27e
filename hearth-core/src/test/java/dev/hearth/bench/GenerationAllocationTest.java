package dev.hearth.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.convert.FileType;
import dev.hearth.convert.ModelShape;
import dev.hearth.convert.RandomModelWriter;
import dev.hearth.engine.ComputePool;
import dev.hearth.gguf.GgufFile;
import dev.hearth.model.Architectures;
import dev.hearth.model.Model;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generation loop allocates nothing: after warm-up (the JIT compiles the kernels), a run of generated
 * tokens on two compute threads leaves the heap allocation counters of the caller and of the pool's worker
 * threads unchanged. One top-level subclass per weight type of the benchmarks, so that each runs in a JVM of
 * its own (hearth-core's pom): one model per process, as the CLI and the benchmark run.
 */
@Tag("slow") // warms the JIT up: several seconds per type
abstract class GenerationAllocationTest {

    @TempDir
    Path dir;

    abstract FileType type();

    /** Runs before the model of {@link #type} is loaded: nothing, or other models first (see the subclass). */
    void before(ComputePool pool) throws IOException {
    }

    @Test
    void generatedTokensAllocateNothing() throws IOException {
        Path file = dir.resolve("tiny.gguf");
        RandomModelWriter.write(ModelShape.named("tiny"), type(), file, 5);
        try (ComputePool pool = new ComputePool(2)) {
            before(pool);
            measure(file, pool);
        }
    }

    private void measure(Path file, ComputePool pool) throws IOException {
        try (GgufFile gguf = GgufFile.open(file)) {
            Model model = Architectures.load(gguf);
            ModelBenchmark bench = new ModelBenchmark(model, pool, 8, 16);
            assertThat(bench.promptRun()).isPositive();
            double perToken = Double.NaN;
            // Rounds until nothing is allocated: at least 200, and while C2 may still be compiling (a JVM that
            // ran every test model first has a long compile queue; on a loaded machine 200 rounds of the tiny
            // model ended before the kernels were compiled, and interpreted vector code allocates), up to 2 min.
            long deadline = System.nanoTime() + 120_000_000_000L;
            for (int round = 0; (round < 200 || System.nanoTime() < deadline) && !(perToken == 0); round++) {
                for (int i = 0; i < 20; i++) {
                    bench.generationRun();
                }
                perToken = bench.allocatedBytesPerGeneratedToken();
            }
            assertThat(perToken).as("%s: heap bytes allocated per generated token", type()).isZero();
        }
    }
}

/** Q4_0; see {@link GenerationAllocationTest}. */
final class GenerationAllocationTestQ4_0 extends GenerationAllocationTest {
    @Override
    FileType type() {
        return FileType.Q4_0;
    }
}

/** Q8_0; see {@link GenerationAllocationTest}. */
final class GenerationAllocationTestQ8_0 extends GenerationAllocationTest {
    @Override
    FileType type() {
        return FileType.Q8_0;
    }
}

/** Q4_K_M; see {@link GenerationAllocationTest}. */
final class GenerationAllocationTestQ4KM extends GenerationAllocationTest {
    @Override
    FileType type() {
        return FileType.Q4_K_M;
    }
}

/** F16; see {@link GenerationAllocationTest}. */
final class GenerationAllocationTestF16 extends GenerationAllocationTest {
    @Override
    FileType type() {
        return FileType.F16;
    }
}

/**
 * Q4_0 in a JVM that has first run every model of testdata/models (every weight type and architecture, as a
 * server that loads one model after another): the kernels' compiled code must not depend on being the first.
 * An interleaved Q4_0 kernel written as one big method was compiled with boxed vectors here (640 KB per token).
 */
final class GenerationAllocationTestAfterEveryType extends GenerationAllocationTest {
    @Override
    FileType type() {
        return FileType.Q4_0;
    }

    @Override
    void before(ComputePool pool) throws IOException {
        Path models = Path.of(System.getProperty("hearth.testdata", "../testdata")).resolve("models");
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(models)) {
            for (Path model : files.filter(p -> p.toString().endsWith(".gguf")).sorted().toList()) {
                try (GgufFile gguf = GgufFile.open(model)) {
                    ModelBenchmark bench = new ModelBenchmark(Architectures.load(gguf), pool, 8, 16);
                    bench.promptRun();
                    for (int i = 0; i < 20; i++) {
                        bench.generationRun();
                    }
                }
            }
        }
    }
}
