package dev.hearth.store.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hearth.store.Digest;
import dev.hearth.store.Layer;
import dev.hearth.store.Manifest;
import dev.hearth.store.MediaTypes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP registry on 127.0.0.1 (port chosen by the OS) that speaks the subset of the Docker registry v2
 * API a pull uses, serving manifests and blobs from memory, with a switch for every fault a pull must survive
 * (see the public fields). Also usable as a blob CDN that another registry redirects to.
 */
public final class TestRegistry implements AutoCloseable {

    /** A request as the server saw it. */
    public record Request(String method, String path, String range, String authorization, int status) {}

    /** A model published on this registry. */
    public record Published(String repository, String tag, byte[] manifestBytes, Manifest manifest,
            Map<Digest, byte[]> blobs) {
        public Digest modelDigest() {
            return manifest.modelLayer().orElseThrow().digest();
        }
    }

    private static final Pattern MANIFEST_PATH = Pattern.compile("/v2/([^/]+)/([^/]+)/manifests/([^/]+)");
    private static final Pattern BLOB_PATH = Pattern.compile("/v2/([^/]+)/([^/]+)/blobs/(sha256:[0-9a-f]{64})");
    private static final Pattern CDN_PATH = Pattern.compile("/cdn/(sha256:[0-9a-f]{64})");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<Digest, AtomicLong> bytesServed = new ConcurrentHashMap<>();

    // ---- fault switches (set by tests) ----
    /** The next N requests whose path contains {@link #failPathContains} get {@link #failStatus}. */
    public final AtomicInteger failCount = new AtomicInteger();
    public volatile String failPathContains = "/v2/";
    public volatile int failStatus = 500;
    /** The next N blob responses longer than {@link #cutAfterBytes} stop there and drop the connection. */
    public final AtomicInteger cutCount = new AtomicInteger();
    public volatile long cutAfterBytes = 1000;
    /** The next N blob responses longer than {@link #stallAfterBytes} stop there and send nothing for {@link #stallFor}. */
    public final AtomicInteger stallCount = new AtomicInteger();
    public volatile long stallAfterBytes = 1000;
    public volatile Duration stallFor = Duration.ofSeconds(5);
    /** Answer every blob request with the whole blob (200), as servers without Range support do. */
    public volatile boolean ignoreRange;
    /** Blobs served with one byte changed. */
    public final Map<Digest, Boolean> corrupt = new ConcurrentHashMap<>();
    /** If set, /v2/ requests need "Authorization: Bearer " + this token, obtained from /token. */
    public volatile String requiredToken;
    /** If set, the realm announced in challenges (default: this server's /token). */
    public volatile String realmOverride;
    /** If set, blob requests are redirected (307) to this base URL + /cdn/<digest>. */
    public volatile String redirectBlobsTo;
    /** Blob requests are redirected to themselves, forever. */
    public volatile boolean redirectLoop;
    /** If positive, manifests are padded with this many spaces (an oversized manifest). */
    public volatile long manifestPadding;
    /** If positive, blob bodies are sent at about this many bytes per second. */
    public volatile long throttleBytesPerSecond;

    private TestRegistry(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static TestRegistry start() throws IOException {
        return start(0);
    }

    public static TestRegistry start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        TestRegistry r = new TestRegistry(server, executor);
        server.createContext("/", r::handle);
        server.start();
        return r;
    }

    /** {@code 127.0.0.1:PORT}, the host part of model names on this registry. */
    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** A model name on this registry, e.g. {@code name("library/tiny", "q8")}. */
    public String name(String repository, String tag) {
        return host() + "/" + repository + ":" + tag;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public void clearRequests() {
        requests.clear();
    }

    /** Bytes of {@code digest} sent in response bodies so far. */
    public long bytesServed(Digest digest) {
        AtomicLong n = bytesServed.get(digest);
        return n == null ? 0 : n.get();
    }

    public void addBlob(byte[] data) {
        blobs.put(digestOf(data), data);
    }

    /** Publishes raw manifest bytes under a repository and tag. */
    public void putManifest(String repository, String tag, byte[] manifest) {
        manifests.put(repository + ":" + tag, manifest);
    }

    /**
     * Publishes a model built from a GGUF file: config, model layer and (if given) template, system, params
     * and license layers.
     */
    public Published publish(String repository, String tag, Path gguf, String template, String system,
            String paramsJson, String license) throws IOException {
        Map<String, byte[]> layers = new LinkedHashMap<>();
        layers.put(MediaTypes.MODEL, Files.readAllBytes(gguf));
        if (template != null) {
            layers.put(MediaTypes.TEMPLATE, template.getBytes(StandardCharsets.UTF_8));
        }
        if (system != null) {
            layers.put(MediaTypes.SYSTEM, system.getBytes(StandardCharsets.UTF_8));
        }
        if (paramsJson != null) {
            layers.put(MediaTypes.PARAMS, paramsJson.getBytes(StandardCharsets.UTF_8));
        }
        if (license != null) {
            layers.put(MediaTypes.LICENSE, license.getBytes(StandardCharsets.UTF_8));
        }
        return publishLayers(repository, tag, layers);
    }

    /** Publishes a model from raw layer contents by media type. */
    public Published publishLayers(String repository, String tag, Map<String, byte[]> layerData) throws IOException {
        List<Layer> layers = new ArrayList<>();
        Map<Digest, byte[]> mine = new LinkedHashMap<>();
        StringBuilder diffIds = new StringBuilder();
        for (Map.Entry<String, byte[]> e : layerData.entrySet()) {
            Digest d = digestOf(e.getValue());
            layers.add(new Layer(e.getKey(), d, e.getValue().length));
            mine.put(d, e.getValue());
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(d).append('"');
        }
        byte[] config = ("{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],"
                + "\"model_type\":\"tiny\",\"file_type\":\"Q8_0\",\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        Digest cd = digestOf(config);
        mine.put(cd, config);
        Manifest m = Manifest.of(new Layer(MediaTypes.CONFIG, cd, config.length), layers);
        byte[] bytes = m.toJson();
        blobs.putAll(mine);
        putManifest(repository, tag, bytes);
        return new Published(repository, tag, bytes, m, mine);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- serving ---------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        int status;
        try {
            status = serve(ex, path, range, auth);
        } catch (IOException e) {
            status = -1; // client went away or a fault cut the connection
        } finally {
            ex.close();
        }
        requests.add(new Request(ex.getRequestMethod(), path, range, auth, status));
    }

    private int serve(HttpExchange ex, String path, String range, String auth) throws IOException {
        if (path.equals("/token")) {
            String t = requiredToken;
            return send(ex, 200, "application/json", ("{\"token\":\"" + (t == null ? "none" : t) + "\"}").getBytes());
        }
        if (path.contains(failPathContains) && decrementIfPositive(failCount)) {
            return send(ex, failStatus, "application/json",
                    "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"injected failure\"}]}".getBytes());
        }
        Matcher cdn = CDN_PATH.matcher(path);
        if (cdn.matches()) {
            return serveBlob(ex, Digest.parse(cdn.group(1)), range);
        }
        if (path.startsWith("/v2/") && requiredToken != null && !("Bearer " + requiredToken).equals(auth)) {
            String realm = realmOverride != null ? realmOverride : "http://" + host() + "/token";
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"test\","
                    + "scope=\"repository:x:pull\"");
            return send(ex, 401, "application/json",
                    "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes());
        }
        Matcher mm = MANIFEST_PATH.matcher(path);
        if (mm.matches()) {
            byte[] m = manifests.get(mm.group(1) + "/" + mm.group(2) + ":" + mm.group(3));
            if (m == null) {
                return send(ex, 404, "application/json",
                        "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}".getBytes());
            }
            long pad = manifestPadding;
            if (pad > 0) {
                ex.getResponseHeaders().add("Content-Type", MediaTypes.MANIFEST_V2);
                ex.sendResponseHeaders(200, 0); // chunked, so the client cannot tell the size in advance
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(m, 0, m.length - 1);
                    byte[] spaces = new byte[64 << 10];
                    java.util.Arrays.fill(spaces, (byte) ' ');
                    for (long sent = 0; sent < pad; sent += spaces.length) {
                        out.write(spaces, 0, (int) Math.min(spaces.length, pad - sent));
                    }
                    out.write('}');
                }
                return 200;
            }
            return send(ex, 200, MediaTypes.MANIFEST_V2, m);
        }
        Matcher bm = BLOB_PATH.matcher(path);
        if (bm.matches()) {
            Digest d = Digest.parse(bm.group(3));
            if (redirectLoop) {
                ex.getResponseHeaders().add("Location", path + "?again=" + System.nanoTime());
                ex.sendResponseHeaders(302, -1);
                return 302;
            }
            String to = redirectBlobsTo;
            if (to != null) {
                ex.getResponseHeaders().add("Location", to + "/cdn/" + d);
                ex.sendResponseHeaders(307, -1);
                return 307;
            }
            return serveBlob(ex, d, range);
        }
        return send(ex, 404, "text/plain", "not found".getBytes());
    }

    private int serveBlob(HttpExchange ex, Digest d, String range) throws IOException {
        byte[] data = blobs.get(d);
        if (data == null) {
            return send(ex, 404, "application/json",
                    "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}".getBytes());
        }
        if (corrupt.containsKey(d)) {
            data = data.clone();
            data[data.length / 2] ^= 0x5a;
        }
        long first = 0;
        long last = data.length - 1;
        int status = 200;
        Matcher rm = range == null || ignoreRange ? null : RANGE.matcher(range);
        if (rm != null && rm.matches()) {
            first = Long.parseLong(rm.group(1));
            if (!rm.group(2).isEmpty()) {
                last = Math.min(last, Long.parseLong(rm.group(2)));
            }
            if (first > last) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
                ex.sendResponseHeaders(416, -1);
                return 416;
            }
            status = 206;
            ex.getResponseHeaders().add("Content-Range", "bytes " + first + "-" + last + "/" + data.length);
        }
        long length = last - first + 1;
        ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
        ex.sendResponseHeaders(status, length);
        // Faults only count responses long enough to be hit by them.
        long cut = length > cutAfterBytes && decrementIfPositive(cutCount) ? cutAfterBytes : -1;
        long stall = cut < 0 && length > stallAfterBytes && decrementIfPositive(stallCount) ? stallAfterBytes : -1;
        AtomicLong served = bytesServed.computeIfAbsent(d, k -> new AtomicLong());
        OutputStream out = ex.getResponseBody();
        long sent = 0;
        long started = System.nanoTime();
        while (sent < length) {
            int n = (int) Math.min(16 << 10, length - sent);
            if (cut >= 0 && sent + n > cut) {
                n = (int) (cut - sent);
            }
            if (stall >= 0 && sent + n > stall) {
                n = (int) (stall - sent);
            }
            if (n > 0) {
                out.write(data, (int) (first + sent), n);
                out.flush();
                sent += n;
                served.addAndGet(n);
            }
            if (cut >= 0 && sent >= cut) {
                // Drop the connection mid-body: the client sees fewer bytes than Content-Length promised.
                throw new IOException("cut");
            }
            if (stall >= 0 && sent >= stall) {
                sleep(stallFor);
                throw new IOException("stalled");
            }
            long rate = throttleBytesPerSecond;
            if (rate > 0) {
                long dueNanos = sent * 1_000_000_000L / rate;
                long ahead = dueNanos - (System.nanoTime() - started);
                if (ahead > 0) {
                    sleep(Duration.ofNanos(ahead));
                }
            }
        }
        out.close();
        return status;
    }

    private static int send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        return status;
    }

    private static boolean decrementIfPositive(AtomicInteger n) {
        return n.getAndUpdate(v -> v > 0 ? v - 1 : 0) > 0;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static Digest digestOf(byte[] data) {
        try {
            return Digest.of(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
