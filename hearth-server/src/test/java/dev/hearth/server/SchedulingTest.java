package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.store.ModelStore;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Loading, unloading, batching, queueing and cancellation, seen through the HTTP API. */
class SchedulingTest {
    @TempDir
    Path dir;

    private HearthServer server;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

    private HearthServer start(SchedulerConfig config, String... models) throws Exception {
        ModelStore store = new ModelStore(dir.resolve("models"));
        for (String m : models) {
            String[] parts = m.split("=");
            TestStores.install(store, parts[0], TestStores.model(parts[1]), null, null, null);
        }
        server = HearthServer.start(ServerConfig.ephemeralLoopback(), config, new ModelCatalog(store),
                new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        return server;
    }

    private String log() {
        synchronized (logBytes) {
            return logBytes.toString(StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RawHttp.Response post(String path, String body) throws Exception {
        return RawHttp.request(server.port(), "POST", path, body);
    }

    private JsonNode ps() throws Exception {
        return Json.mapper().readTree(RawHttp.request(server.port(), "GET", "/api/ps", null).body()).get("models");
    }

    /** Opens a streaming request and returns the socket once the response has started (or the prompt is sent). */
    private Socket openStream(String path, String body, boolean waitForFirstLine) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + b.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        if (waitForFirstLine) {
            s.setSoTimeout(60_000);
            InputStream in = s.getInputStream();
            int newlines = 0;
            // status line + headers end with an empty line; then the first chunk-size line and the first NDJSON line
            StringBuilder seen = new StringBuilder();
            while (newlines < 1 || !seen.toString().contains("\"done\":false")) {
                int c = in.read();
                if (c < 0) {
                    throw new AssertionError("stream ended early: " + seen);
                }
                seen.append((char) c);
                if (c == '\n') {
                    newlines++;
                }
            }
            assertThat(seen.toString()).startsWith("HTTP/1.1 200");
        }
        return s;
    }

    private static final String ENDLESS = "{\"model\":\"tiny\",\"prompt\":\"Tell me a long story\",\"raw\":true,"
            + "\"options\":{\"num_predict\":100000,\"temperature\":0}}";

    @Test
    void eightConcurrentStreamingChatsAllComplete() throws Exception {
        start(TestServers.schedulerConfig().withParallel(4).withQueue(8), "tiny=llama3-Q8_0.gguf");
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<RawHttp.Response>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String body = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Story number " + i + "\"}],"
                    + "\"options\":{\"num_predict\":12,\"seed\":" + i + "}}";
            futures.add(pool.submit(() -> post("/api/chat", body)));
        }
        for (Future<RawHttp.Response> f : futures) {
            RawHttp.Response r = f.get(120, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            String[] lines = r.body().split("\n");
            JsonNode last = Json.mapper().readTree(lines[lines.length - 1]);
            assertThat(last.get("done").asBoolean()).isTrue();
            assertThat(last.get("eval_count").asInt()).isBetween(1, 12);
        }
        pool.shutdown();
    }

    @Test
    void aFullQueueAnswers503AndADisconnectFreesTheSlot() throws Exception {
        start(TestServers.schedulerConfig().withParallel(1).withQueue(1), "tiny=llama3-Q8_0.gguf");
        Socket first = openStream("/api/generate", ENDLESS, true); // decoding in the only slot
        Socket second = openStream("/api/generate", ENDLESS, false); // waiting in the queue
        Thread.sleep(300);
        RawHttp.Response third = post("/api/generate", ENDLESS);
        assertThat(third.status()).isEqualTo(503);
        assertThat(Json.mapper().readTree(third.body()).get("error").asString()).contains("busy");
        RawHttp.Response thirdOpenAi = post("/v1/chat/completions",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(thirdOpenAi.status()).isEqualTo(503);
        assertThat(Json.mapper().readTree(thirdOpenAi.body()).get("error").get("message").asString()).contains("busy");

        // Closing both connections cancels both generations within moments, and frees their places.
        long t0 = System.nanoTime();
        first.close();
        second.close();
        while (log().lines().filter(l -> l.contains("request cancelled")).count() < 2
                && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20)) {
            Thread.sleep(20);
        }
        assertThat(log().lines().filter(l -> l.contains("request cancelled")).count()).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        RawHttp.Response next = null;
        for (int i = 0; i < 50 && (next == null || next.status() == 503); i++) {
            next = post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"stream\":false,\"options\":{\"num_predict\":3}}");
            Thread.sleep(next.status() == 503 ? 20 : 0);
        }
        assertThat(next.status()).isEqualTo(200);
    }

    @Test
    void aDisconnectDuringPromptProcessingCancelsIt() throws Exception {
        start(TestServers.schedulerConfig().withContextLength(4096), "tiny=llama3-Q8_0.gguf");
        post("/api/generate", "{\"model\":\"tiny\"}"); // load first, so the prompt is what takes time
        String longPrompt = "word ".repeat(3500);
        Socket s = openStream("/api/generate", "{\"model\":\"tiny\",\"raw\":true,\"prompt\":\"" + longPrompt
                + "\",\"options\":{\"num_predict\":5}}", false);
        Thread.sleep(300);
        s.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!log().contains("request cancelled") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String line = log().lines().filter(l -> l.contains("request cancelled")).findFirst().orElseThrow();
        // "... after N prompt tokens evaluated of M, 0 generated": stopped part-way through the prompt.
        var m = java.util.regex.Pattern.compile("after (\\d+) prompt tokens evaluated of (\\d+), (\\d+) generated").matcher(line);
        assertThat(m.find()).as(line).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isLessThan(Integer.parseInt(m.group(2)));
        assertThat(m.group(3)).isEqualTo("0");
    }

    @Test
    void refusesALoadThatDoesNotFitInMemory() throws Exception {
        start(TestServers.schedulerConfig().withHeapBudget(1 << 20), "tiny=llama3-Q8_0.gguf");
        RawHttp.Response r = post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"options\":{\"num_ctx\":100000}}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(Json.mapper().readTree(r.body()).get("error").asString())
                .contains("needs").contains("KV cache").contains("num_ctx");
        assertThat(ps()).isEmpty();
        // The server is fine afterwards.
        assertThat(RawHttp.request(server.port(), "GET", "/api/tags", null).status()).isEqualTo(200);
    }

    @Test
    void maxLoadedModelsUnloadsTheIdleOne() throws Exception {
        start(TestServers.schedulerConfig().withMaxLoaded(1), "tiny=llama3-Q8_0.gguf", "other=qwen2-Q8_0.gguf");
        post("/api/generate", "{\"model\":\"tiny\"}");
        assertThat(ps()).hasSize(1);
        post("/api/generate", "{\"model\":\"other\"}");
        JsonNode loaded = ps();
        assertThat(loaded).hasSize(1);
        assertThat(loaded.get(0).get("name").asString()).isEqualTo("other:latest");
    }

    @Test
    void keepAliveExpiresAndNumCtxReloads() throws Exception {
        start(TestServers.schedulerConfig(), "tiny=llama3-Q8_0.gguf");
        post("/api/generate", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"stream\":false,\"keep_alive\":\"1s\","
                + "\"options\":{\"num_predict\":1,\"num_ctx\":256}}");
        JsonNode loaded = ps();
        assertThat(loaded.get(0).get("context_length").asInt()).isEqualTo(256);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ps().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(ps()).isEmpty();
        post("/api/generate", "{\"model\":\"tiny\",\"keep_alive\":-1}");
        assertThat(ps().get(0).get("expires_at").asString()).startsWith("23");
    }
}
