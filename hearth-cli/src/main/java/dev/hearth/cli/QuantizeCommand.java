package dev.hearth.cli;

import dev.hearth.convert.FileType;
import dev.hearth.convert.ModelQuantizer;
import dev.hearth.convert.ModelShape;
import dev.hearth.convert.RandomModelWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hearth quantize IN OUT TYPE} rewrites a GGUF model with its weights in another type, choosing each
 * tensor's type as llama.cpp's {@code llama-quantize} does ({@link FileType}); {@code hearth quantize --random
 * SHAPE OUT TYPE} writes a model of a named shape with random weights, for benchmarks without downloads.
 */
@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        description = {
            "Convert a GGUF model's weights: hearth quantize IN OUT TYPE.",
            "Or write a random-weight model of a known shape: hearth quantize --random SHAPE OUT TYPE.",
            "TYPE: f32, f16, bf16, q8_0, q4_0, q4_k_m, q5_k_m (llama.cpp's mixes).",
        })
final class QuantizeCommand implements Callable<Integer> {

    @Parameters(arity = "2..3", paramLabel = "ARGS", description = "IN OUT TYPE, or OUT TYPE with --random.")
    List<String> args;

    @Option(names = "--random", paramLabel = "SHAPE",
            description = "Write random weights of this shape instead of reading IN (${COMPLETION-CANDIDATES}).",
            completionCandidates = ShapeNames.class)
    String random;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the random weights.")
    long seed;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Threads for quantizing (default: all cores).")
    Integer threads;

    @Spec
    CommandSpec spec;

    static final class ShapeNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ModelShape.names().iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Path target;
        if (random != null) {
            if (args.size() != 2) {
                throw new IllegalArgumentException("with --random give OUT TYPE");
            }
            ModelShape shape = ModelShape.named(random);
            target = Path.of(args.get(0));
            FileType type = FileType.parse(args.get(1));
            RandomModelWriter.write(shape, type, target, seed);
        } else {
            if (args.size() != 3) {
                throw new IllegalArgumentException("give IN OUT TYPE (or --random SHAPE OUT TYPE)");
            }
            Path in = Path.of(args.get(0));
            target = Path.of(args.get(1));
            FileType type = FileType.parse(args.get(2));
            if (Files.exists(target) && Files.isSameFile(in, target)) {
                throw new IllegalArgumentException("IN and OUT are the same file");
            }
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            if (t < 1 || t > 1024) {
                throw new IllegalArgumentException("--threads must be 1..1024");
            }
            ModelQuantizer.quantize(in, target, type, t);
        }
        out.printf(Locale.ROOT, "wrote %s (%s) in %.1f s%n", target, BenchCommand.human(Files.size(target)),
                (System.nanoTime() - t0) / 1e9);
        out.flush();
        return 0;
    }
}
