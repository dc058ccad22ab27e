package dev.hearth.cli;

import dev.hearth.bench.MemoryBandwidth;
import dev.hearth.config.HearthSettings;
import dev.hearth.bench.ModelBenchmark;
import dev.hearth.engine.ComputePool;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.model.Architectures;
import dev.hearth.model.Model;
import dev.hearth.model.RepackedMatrices;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code hearth bench}: llama.cpp's {@code llama-bench} tests on one model. The prompt test runs a batch of
 * {@code -p} random tokens from an empty context (logits for the last token only); the generation test runs
 * {@code -n} random tokens one at a time from an empty context. After one warm-up run of each (the JIT
 * compiles the kernels), each test runs {@code -r} times and the median is reported. A STREAM-like read test
 * measures the memory bandwidth, which bounds generation: every weight is read once per token.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measure prompt processing and generation speed (tokens per second), as llama-bench does.",
            "Reports the model size and, for generation, the share of the memory-bandwidth limit.",
        })
final class BenchCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file.")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", defaultValue = "128",
            description = "Prompt tokens per prompt test; 0 skips the test (default ${DEFAULT-VALUE}).")
    int prompt;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", defaultValue = "32",
            description = "Tokens per generation test; 0 skips the test (default ${DEFAULT-VALUE}).")
    int gen;

    @Option(names = {"-d", "--n-depth"}, paramLabel = "N", defaultValue = "0",
            description = "Tokens already in the context (KV cache) when each test starts, as llama-bench's -d: "
                    + "the speed at a long conversation's end (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "3",
            description = "Measured runs per test; the median is reported (default ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1",
            description = "Unmeasured runs per test first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--bandwidth-mib", paramLabel = "MIB",
            description = "Run the read-bandwidth test over a buffer of MIB MiB instead of the model's weights "
                    + "(the memory generation reads); 0 skips the test.")
    Integer bandwidthMib;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    /** How the load got its repacked matrices, if it had any: from the cache, or repacked now. */
    private static String repackNote(RepackedMatrices r) {
        if (r.reused() > 0 && r.repacked() == 0) {
            return " (" + r.reused() + " repacked matrices from the cache)";
        }
        return r.repacked() > 0 ? " (" + r.repacked() + " matrices repacked)" : "";
    }

    @Override
    public Integer call() throws Exception {
        int t = threads == null ? ComputePool.defaultThreads() : threads;
        if (t < 1 || t > 1024) {
            throw new IllegalArgumentException("--threads must be 1..1024, got " + t);
        }
        if (prompt < 0 || gen < 0 || prompt + gen == 0) {
            throw new IllegalArgumentException("-p and -n must be >= 0 and not both 0");
        }
        if (prompt > 65536 || gen > 65536) {
            throw new IllegalArgumentException("-p and -n are limited to 65536 tokens");
        }
        if (depth < 0 || depth > 1 << 20) {
            throw new IllegalArgumentException("-d must be 0..1048576");
        }
        if (repetitions < 1 || repetitions > 1000 || warmup < 0 || warmup > 100) {
            throw new IllegalArgumentException("-r must be 1..1000 and --warmup 0..100");
        }
        if (bandwidthMib != null && (bandwidthMib < 0 || bandwidthMib > 65536)) {
            throw new IllegalArgumentException("--bandwidth-mib must be 0..65536");
        }
        PrintWriter out = spec.commandLine().getOut();
        HearthSettings settings = main != null ? main.settings() : HearthSettings.fromEnvironment();
        long loadStart = System.nanoTime();
        try (GgufFile file = GgufFile.open(model);
                RepackedMatrices repacked = RepackedMatrices.cached(file, settings.repackCache().orElse(null));
                ComputePool pool = new ComputePool(t)) {
            Model m = Architectures.load(file, repacked);
            double loadMs = (System.nanoTime() - loadStart) / 1e6;
            long size = 0;
            for (GgufTensorInfo info : file.tensors()) {
                size += info.byteSize();
            }
            long bytesPerToken = ModelBenchmark.bytesPerToken(m);
            if ((long) depth + Math.max(prompt, gen) > m.config().contextLength()) {
                throw new IllegalArgumentException("-d plus the longer test (" + ((long) depth + Math.max(prompt, gen))
                        + " tokens) exceeds the model's context length " + m.config().contextLength());
            }
            // Generation also reads the KV cache: each token the rows of all positions before it.
            double kvBytesPerToken = ModelBenchmark.kvBytesPerPosition(m) * (depth + (gen + 1) / 2.0);
            ModelBenchmark bench = new ModelBenchmark(m, pool, prompt, gen, depth);

            double ppTps = Double.NaN;
            double tgTps = Double.NaN;
            double allocPerToken = -1;
            if (prompt > 0) {
                for (int i = 0; i < warmup; i++) {
                    bench.promptRun();
                }
                long[] ns = new long[repetitions];
                for (int i = 0; i < repetitions; i++) {
                    ns[i] = bench.promptRun();
                }
                ppTps = prompt * 1e9 / ModelBenchmark.median(ns);
            }
            if (gen > 0) {
                for (int i = 0; i < warmup; i++) {
                    bench.generationRun();
                }
                long[] ns = new long[repetitions];
                for (int i = 0; i < repetitions; i++) {
                    ns[i] = bench.generationRun();
                }
                tgTps = gen * 1e9 / ModelBenchmark.median(ns);
                allocPerToken = bench.allocatedBytesPerGeneratedToken();
            }
            boolean measureBandwidth = bandwidthMib == null || bandwidthMib > 0;
            // By default the weights themselves: the limit is that of the very pages generation reads, not of a
            // buffer that may lie elsewhere (see MemoryBandwidth on how much one VM's readings vary).
            double bandwidth = !measureBandwidth ? Double.NaN
                    : bandwidthMib == null ? MemoryBandwidth.measure(pool, ModelBenchmark.weightRegions(m), 5)
                    : MemoryBandwidth.measure(pool, bandwidthMib * (1L << 20), 5);
            double share = tgTps * (bytesPerToken + kvBytesPerToken) / bandwidth;

            String name = model.getFileName().toString();
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode o = mapper.createObjectNode();
                o.put("model", name);
                o.put("size_bytes", size);
                o.put("threads", t);
                o.put("n_depth", depth);
                if (prompt > 0) {
                    o.putObject("pp").put("n", prompt).put("tokens_per_second", round(ppTps));
                }
                if (gen > 0) {
                    o.putObject("tg").put("n", gen).put("tokens_per_second", round(tgTps));
                }
                if (measureBandwidth) {
                    o.put("bandwidth_gbps", round(bandwidth / 1e9));
                    if (gen > 0) {
                        // Four significant digits: a fixed 3 decimals printed a tiny model's 0.0004 as 0.0.
                        o.put("tg_share_of_limit", Double.isFinite(share)
                                ? new java.math.BigDecimal(share).round(new java.math.MathContext(4)).doubleValue() : share);
                    }
                }
                o.put("bytes_per_token", bytesPerToken);
                if (gen > 0) {
                    o.put("kv_bytes_per_token", Math.round(kvBytesPerToken));
                }
                o.put("load_ms", round(loadMs));
                o.put("repetitions", repetitions);
                if (allocPerToken >= 0) {
                    o.put("tg_allocated_bytes_per_token", round(allocPerToken));
                }
                out.println(mapper.writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "model: %s (%s, %s, %.2f B parameters), loaded in %.0f ms%s%n", name,
                        m.config().architecture(), human(size), parameters(file) / 1e9, loadMs, repackNote(repacked));
                out.printf(Locale.ROOT, "threads: %d, runs: median of %d after %d warm-up%n", t, repetitions, warmup);
                String at = depth > 0 ? " @ d" + depth : "";
                String row = "| %-" + (8 + at.length()) + "s | %12s |%n";
                out.printf(Locale.ROOT, row, "test", "t/s");
                out.printf(Locale.ROOT, row, "-".repeat(8 + at.length()), "------------");
                if (prompt > 0) {
                    out.printf(Locale.ROOT, row, "pp" + prompt + at, String.format(Locale.ROOT, "%.2f", ppTps));
                }
                if (gen > 0) {
                    out.printf(Locale.ROOT, row, "tg" + gen + at, String.format(Locale.ROOT, "%.2f", tgTps));
                }
                if (measureBandwidth) {
                    out.printf(Locale.ROOT, "read bandwidth%s: %.1f GB/s; %s read per token%s%n",
                            bandwidthMib == null ? " (of the weights' memory)" : "", bandwidth / 1e9,
                            human(bytesPerToken) + (depth > 0 && gen > 0 ? " + " + human(Math.round(kvBytesPerToken))
                                    + " of KV cache" : ""), gen > 0 ? String.format(Locale.ROOT,
                                    "; generation limit %.1f t/s, reached %.0f%%",
                                    bandwidth / (bytesPerToken + kvBytesPerToken), share * 100) : "");
                }
                if (allocPerToken >= 0) {
                    out.printf(Locale.ROOT, "heap allocated per generated token: %.0f bytes%n", allocPerToken);
                }
            }
            out.flush();
        }
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static long parameters(GgufFile file) {
        long n = 0;
        for (GgufTensorInfo info : file.tensors()) {
            n += info.elementCount();
        }
        return n;
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
    }
}
