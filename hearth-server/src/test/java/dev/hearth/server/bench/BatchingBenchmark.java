package dev.hearth.server.bench;

import dev.hearth.server.HearthServer;
import dev.hearth.server.ServerConfig;
import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.BlobPins;
import dev.hearth.store.Layer;
import dev.hearth.store.Manifest;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelStore;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;

/**
 * Continuous batching through the real server: aggregate generated tokens per second of N concurrent
 * streams on one model against a single stream, over HTTP ({@code /api/generate}).
 *
 * <p>Run: {@code java -cp <test classpath> dev.hearth.server.bench.BatchingBenchmark MODEL.gguf [threads]
 * [tokens] [streams]}. Prints one line per configuration and the ratio.
 */
public final class BatchingBenchmark {
    private BatchingBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path gguf = Path.of(args.length > 0 ? args[0] : "testdata/models/llama3-Q8_0.gguf");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int streams = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        Path dir = Files.createTempDirectory("hearth-bench");
        ModelStore store = new ModelStore(dir.resolve("models"));
        try (BlobPins pins = store.newPins(); InputStream in = Files.newInputStream(gguf)) {
            Layer model = store.importBlob(in, MediaTypes.MODEL, n -> {}, pins);
            Layer config = store.putBlob("{\"model_format\":\"gguf\"}".getBytes(), MediaTypes.CONFIG, pins);
            store.commitManifest(ModelName.parse("bench"), Manifest.of(config, List.of(model)).toJson());
        }
        SchedulerConfig sc = new SchedulerConfig(1, streams, 8, Duration.ofMinutes(10), 1024, threads,
                Runtime.getRuntime().maxMemory() - (256L << 20), Long.MAX_VALUE, 128);
        try (HearthServer server = HearthServer.start(ServerConfig.ephemeralLoopback(), sc, new ModelCatalog(store), null)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String url = server.baseUrl() + "/api/generate";
            run(http, url, 1, 32); // load and warm up the JIT
            run(http, url, streams, 32);
            double single = 0;
            double batched = 0;
            for (int round = 0; round < 3; round++) {
                single = Math.max(single, run(http, url, 1, tokens));
                batched = Math.max(batched, run(http, url, streams, tokens));
            }
            System.out.printf(Locale.ROOT, "model %s, %d threads, %d tokens per stream%n", gguf.getFileName(), threads, tokens);
            System.out.printf(Locale.ROOT, "1 stream:  %.1f tokens/s%n", single);
            System.out.printf(Locale.ROOT, "%d streams: %.1f tokens/s aggregate (%.2fx)%n", streams, batched, batched / single);
        }
    }

    /** Runs {@code n} generations at once and returns generated tokens per second over the wall time. */
    private static double run(HttpClient http, String url, int n, int tokens) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<Integer>> results = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            // A different prompt per stream (no shared cache), raw, greedy; stop tokens cannot end it early
            // because num_predict counts every token and the random models rarely emit EOS.
            String body = "{\"model\":\"bench\",\"raw\":true,\"stream\":false,\"prompt\":\"Stream " + i + " begins here\","
                    + "\"options\":{\"num_predict\":" + tokens + ",\"temperature\":0.7,\"seed\":" + i + "}}";
            results.add(pool.submit(() -> {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode o = Json.mapper().readTree(r.body());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(r.body());
                }
                return o.get("eval_count").asInt();
            }));
        }
        int total = 0;
        for (Future<Integer> f : results) {
            total += f.get();
        }
        pool.shutdown();
        return total / ((System.nanoTime() - start) / 1e9);
    }
}
