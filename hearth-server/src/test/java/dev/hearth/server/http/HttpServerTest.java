package dev.hearth.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpServerTest {
    private HttpServer server;
    private final AtomicReference<Boolean> goneSeen = new AtomicReference<>();
    private final CountDownLatch handlerDone = new CountDownLatch(1);
    private final CountDownLatch watching = new CountDownLatch(1);

    private void start(HttpLimits limits) throws IOException {
        server = HttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), limits, this::handle,
                (path, status, message) -> "{\"error\":\"" + message.replace("\"", "'") + "\"}", (ex, e) -> {});
    }

    private void start() throws IOException {
        start(HttpLimits.DEFAULTS.withMaxBodyBytes(1000));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    private void handle(HttpExchange ex) throws Exception {
        switch (ex.path()) {
            case "/echo" -> {
                byte[] body = ex.body();
                ex.send(200, "text/plain", (ex.method() + ":" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
            }
            case "/stream" -> {
                try (OutputStream out = ex.startStream(200, "application/x-ndjson")) {
                    for (int i = 0; i < 3; i++) {
                        out.write(("{\"i\":" + i + "}\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            }
            case "/wait" -> {
                ex.body();
                watching.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                boolean gone = false;
                while (System.nanoTime() < deadline && !(gone = ex.clientGone())) {
                    Thread.sleep(10);
                }
                goneSeen.set(gone);
                handlerDone.countDown();
                if (!gone) {
                    ex.send(200, "text/plain", "stayed".getBytes(StandardCharsets.UTF_8));
                }
            }
            case "/watch-briefly" -> {
                ex.body();
                ex.clientGone();
                Thread.sleep(200);
                goneSeen.set(ex.clientGone());
                ex.send(200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8));
            }
            case "/fail" -> throw new IllegalStateException("boom");
            case "/silent" -> {
                // no response
            }
            default -> ex.send(404, "application/json", "{\"error\":\"not found\"}".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Sends raw bytes and reads until the server closes the connection or {@code timeout} passes. */
    private String raw(String request, Duration timeout) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                // keep-alive connection left open, or reset after the response: return what came
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private String raw(String request) throws IOException {
        return raw(request, Duration.ofMillis(700));
    }

    @Test
    void servesKeepAliveRequestsOnOneConnection() throws Exception {
        start();
        String got = raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(got).contains("POST:hello").contains("GET:");
        assertThat(got.split("HTTP/1.1 200", -1)).hasSize(3);
    }

    @Test
    void readsChunkedBodiesWithExtensionsAndTrailers() throws Exception {
        start();
        String got = raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n");
        assertThat(got).startsWith("HTTP/1.1 200").contains("POST:abcde").contains("Connection: close");
    }

    @Test
    void answersExpectContinueBeforeReadingTheBody() throws Exception {
        start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buf = new byte[25];
            int n = s.getInputStream().readNBytes(buf, 0, 25);
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            out.write("ok".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] rest = new byte[200];
            int m = s.getInputStream().read(rest);
            assertThat(new String(rest, 0, m, StandardCharsets.US_ASCII)).contains("POST:ok");
        }
    }

    @Test
    void streamsChunksThatTheJdkClientReads() throws Exception {
        start();
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/stream")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n");
        assertThat(r.headers().firstValue("content-type")).contains("application/x-ndjson");
    }

    @Test
    void headGetsHeadersWithoutBody() throws Exception {
        start();
        String got = raw("HEAD /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(got).startsWith("HTTP/1.1 200").contains("Content-Length: 5").endsWith("\r\n\r\n");
    }

    @Test
    void malformedRequestsGetJsonErrorsNotDroppedConnections() throws Exception {
        start();
        assertThat(raw("GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400").contains("{\"error\":\"malformed request line\"}");
        assertThat(raw("GET /echo HTTP/2.0\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 505");
        assertThat(raw("GET /echo HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400").contains("Host");
        assertThat(raw("GET /echo HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /echo HTTP/1.1\r\nHost : x\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"))
                .startsWith("HTTP/1.1 400").contains("both");
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"))
                .startsWith("HTTP/1.1 400");
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")).startsWith("HTTP/1.1 501");
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).startsWith("HTTP/1.1 400")
                .contains("chunk size");
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"))
                .startsWith("HTTP/1.1 400");
        assertThat(raw("GET http://evil/echo HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /a%C3 HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400").contains("UTF-8");
        assertThat(raw("GET /echo HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n")).startsWith("HTTP/1.1 417");
        assertThat(raw("GET /echo HTTP/1.1\r\nHost: x\r\nBad: a\u0001b\r\n\r\n")).startsWith("HTTP/1.1 400");
    }

    @Test
    void enforcesSizeLimits() throws Exception {
        start(new HttpLimits(64, 256, 8, 10, Duration.ofSeconds(2), Duration.ofSeconds(5), 100));
        assertThat(raw("GET /" + "a".repeat(100) + " HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 414");
        assertThat(raw("GET /echo HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(300) + "\r\n\r\n")).startsWith("HTTP/1.1 431");
        assertThat(raw("GET /echo HTTP/1.1\r\nHost: x\r\n" + "X: y\r\n".repeat(10) + "\r\n")).startsWith("HTTP/1.1 431");
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")).startsWith("HTTP/1.1 413");
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"))
                .startsWith("HTTP/1.1 413");
    }

    @Test
    void slowRequestsTimeOut() throws Exception {
        start(new HttpLimits(1024, 4096, 16, 100, Duration.ofMillis(300), Duration.ofSeconds(5), 100));
        assertThat(raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", Duration.ofSeconds(3))).startsWith("HTTP/1.1 408");
        assertThat(raw("GET /echo HTTP/1.1\r\nHost: x\r\n", Duration.ofSeconds(3))).startsWith("HTTP/1.1 408");
    }

    @Test
    void handlerFailuresBecomeJson500() throws Exception {
        start();
        assertThat(raw("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 500").contains("{\"error\":\"internal error: boom\"}");
        assertThat(raw("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 500");
    }

    @Test
    void noticesAClientThatDisconnectsWhileNothingIsWritten() throws Exception {
        start();
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
        s.getOutputStream().write("POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        assertThat(watching.await(5, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        s.close();
        assertThat(handlerDone.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(goneSeen.get()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aPipelinedRequestIsNotADisconnectAndIsServedAfterwards() throws Exception {
        start();
        String got = raw("POST /watch-briefly HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
                + "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
        assertThat(goneSeen.get()).isFalse();
        assertThat(got).contains("\r\n\r\nok").contains("GET:");
    }

    @Test
    void refusesConnectionsBeyondTheLimitWith503() throws Exception {
        start(HttpLimits.DEFAULTS.withMaxConnections(1));
        try (Socket first = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            first.getOutputStream().write("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            first.getInputStream().read(new byte[100]); // the first connection is established and kept alive
            assertThat(raw("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 503");
        }
    }

    @Test
    void http10ClosesAfterTheResponseUnlessKeptAlive() throws Exception {
        start();
        String got = raw("GET /stream HTTP/1.0\r\n\r\n", Duration.ofSeconds(2));
        assertThat(got).startsWith("HTTP/1.0 200").contains("Connection: close").endsWith("{\"i\":2}\n");
        AtomicBoolean ok = new AtomicBoolean();
        String two = raw("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /echo HTTP/1.0\r\n\r\n");
        ok.set(two.split("HTTP/1.0 200", -1).length == 3);
        assertThat(ok).isTrue();
    }
}
