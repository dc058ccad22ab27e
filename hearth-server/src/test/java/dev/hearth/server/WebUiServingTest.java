package dev.hearth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.server.api.Json;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.ui.WebUi;
import dev.hearth.store.ModelStore;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The web page's files over HTTP: types, caching, security headers, no way out of the page's directory. */
class WebUiServingTest {
    @TempDir
    Path dir;

    private HearthServer server;

    private HearthServer start(ServerConfig config) throws Exception {
        server = UiTestServer.start(config.withConversations(dir.resolve("conversations")),
                new ModelCatalog(new ModelStore(dir.resolve("models"))));
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RawHttp.Response get(String path, String... headers) throws Exception {
        return RawHttp.request(server.port(), "GET", path, null, headers);
    }

    @Test
    void servesThePageWithStrictHeaders() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        RawHttp.Response page = get("/ui/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>Hearth</title>").contains("js/app.js");
        assertThat(page.header("Content-Security-Policy")).isEqualTo(WebUi.CONTENT_SECURITY_POLICY)
                .contains("script-src 'self'").contains("connect-src 'self'").doesNotContain("unsafe");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(page.header("ETag")).matches("\"[0-9a-f]{32}\"");
        assertThat(get("/ui/index.html").body()).isEqualTo(page.body());

        assertThat(get("/ui/js/app.js").header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(get("/ui/vendor/purify.es.mjs").header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(get("/ui/css/app.css").header("Content-Type")).isEqualTo("text/css; charset=utf-8");
        assertThat(get("/ui/favicon.svg").header("Content-Type")).isEqualTo("image/svg+xml");
        RawHttp.Response head = RawHttp.request(server.port(), "HEAD", "/ui/css/app.css", null);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void plainRootStillAnswersHearthIsRunningAndUiRedirects() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        assertThat(get("/").body()).isEqualTo("Hearth is running");
        RawHttp.Response r = get("/ui");
        assertThat(r.status()).isEqualTo(308);
        assertThat(r.header("Location")).isEqualTo("/ui/");
        assertThat(get("/ui?x=1").header("Location")).isEqualTo("/ui/?x=1");
    }

    @Test
    void revalidationAnswersNotModified() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        String etag = get("/ui/js/api.js").header("ETag");
        RawHttp.Response again = get("/ui/js/api.js", "If-None-Match: " + etag);
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.header("ETag")).isEqualTo(etag);
        assertThat(get("/ui/js/api.js", "If-None-Match: \"other\"").status()).isEqualTo(200);
    }

    @Test
    void nothingOutsideThePageIsReachable() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        for (String path : List.of("/ui/../pom.xml", "/ui/%2e%2e/%2e%2e/pom.xml", "/ui/..%2fdev/hearth/server/HearthServer.class",
                "/ui/js/../../dev/hearth/server/HearthServer.class", "/ui/js", "/ui/js/", "/ui/vendor/",
                "/ui/.hidden.js", "/ui//index.html", "/ui/missing.js", "/ui/index.html%00.js", "/ui/a\\b.js",
                "/ui/vendor/marked.esm.js.map", "/ui/META-INF/MANIFEST.MF")) {
            RawHttp.Response r = get(path);
            assertThat(r.status()).as(path).isIn(400, 404);
            assertThat(r.body()).as(path).startsWith("{\"error\":").doesNotContain("<project");
        }
    }

    @Test
    void everyScriptTheHtmlLoadsIsServedAndNoneIsInline() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        String html = get("/ui/").body();
        Matcher m = Pattern.compile("<script([^>]*)>([^<]*)</script>").matcher(html);
        int scripts = 0;
        while (m.find()) {
            scripts++;
            assertThat(m.group(2).strip()).as("inline script").isEmpty();
            Matcher src = Pattern.compile("src=\"([^\"]+)\"").matcher(m.group(1));
            assertThat(src.find()).isTrue();
            assertThat(get("/ui/" + src.group(1)).status()).as(src.group(1)).isEqualTo(200);
        }
        assertThat(scripts).isGreaterThanOrEqualTo(2);
        assertThat(html).doesNotContain("http://").doesNotContain("https://").doesNotContain(" style=");
        assertThat(html).doesNotContainPattern(" on[a-z]+=");
    }

    @Test
    void thePageNeedsNoKeyButItsApiCallsDo() throws Exception {
        start(ServerConfig.ephemeralLoopback().withApiKey("s3cret"));
        assertThat(get("/ui/").status()).isEqualTo(200);
        assertThat(get("/ui").status()).isEqualTo(308);
        assertThat(get("/ui/js/app.js").status()).isEqualTo(200);
        assertThat(get("/api/hearth/conversations").status()).isEqualTo(401);
        assertThat(get("/api/hearth/conversations", "Authorization: Bearer s3cret").status()).isEqualTo(200);
        assertThat(RawHttp.request(server.port(), "POST", "/ui/", "{}").status()).isEqualTo(401);
    }

    @Test
    void thePagesOwnOriginMayWriteOtherOriginsMayNot() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        String self = "http://127.0.0.1:" + server.port();
        RawHttp.Response own = RawHttp.request(server.port(), "POST", "/api/hearth/conversations", "{}",
                "Host: 127.0.0.1:" + server.port(), "Origin: " + self);
        assertThat(own.status()).isEqualTo(201);
        RawHttp.Response localhost = RawHttp.request(server.port(), "POST", "/api/hearth/conversations", "{}",
                "Host: localhost:" + server.port(), "Origin: http://localhost:" + server.port());
        assertThat(localhost.status()).isEqualTo(201);
        RawHttp.Response other = RawHttp.request(server.port(), "POST", "/api/hearth/conversations", "{}",
                "Host: 127.0.0.1:" + server.port(), "Origin: http://localhost:" + server.port());
        assertThat(other.status()).isEqualTo(403);
        RawHttp.Response otherPort = RawHttp.request(server.port(), "POST", "/api/hearth/conversations", "{}",
                "Host: 127.0.0.1:" + server.port(), "Origin: http://127.0.0.1:1");
        assertThat(otherPort.status()).isEqualTo(403);
    }

    @Test
    void onEveryInterfaceARebindingNameIsNotItsOwnOrigin() throws Exception {
        start(new ServerConfig(new InetSocketAddress("0.0.0.0", 0), "0.0.0.0", List.of(), Optional.empty(),
                dev.hearth.server.http.HttpLimits.DEFAULTS));
        // evil.example resolving to this machine: any Host is served, but its origin may not write
        RawHttp.Response rebound = RawHttp.request(server.port(), "POST", "/api/hearth/conversations", "{}",
                "Host: evil.example:" + server.port(), "Origin: http://evil.example:" + server.port());
        assertThat(rebound.status()).isEqualTo(403);
        RawHttp.Response byAddress = RawHttp.request(server.port(), "POST", "/api/hearth/conversations", "{}",
                "Host: 127.0.0.1:" + server.port(), "Origin: http://127.0.0.1:" + server.port());
        assertThat(byAddress.status()).isEqualTo(201);
    }

    @Test
    void systemAndModelFitEndpoints() throws Exception {
        start(ServerConfig.ephemeralLoopback());
        TestStores.install(new ModelStore(dir.resolve("models")), "tiny", TestStores.model("qwen2-Q8_0.gguf"), null, null, null);
        JsonNode system = Json.mapper().readTree(get("/api/hearth/system").body());
        assertThat(system.get("cpus").asInt()).isPositive();
        assertThat(system.get("memory").get("total").asLong()).isPositive();
        assertThat(system.get("version").asString()).isEqualTo(HearthServer.VERSION);

        JsonNode fits = Json.mapper().readTree(get("/api/hearth/models").body());
        JsonNode tiny = fits.get("models").get(0);
        assertThat(tiny.get("name").asString()).isEqualTo("tiny:latest");
        assertThat(tiny.get("fit").asString()).isEqualTo("comfortable");
        JsonNode mem = tiny.get("memory");
        assertThat(mem.get("weights").asLong()).isBetween(1L << 20, 3L << 20);
        assertThat(mem.get("kv_cache").asLong()).isPositive();
        assertThat(mem.get("total").asLong()).isEqualTo(mem.get("weights").asLong() + mem.get("kv_cache").asLong()
                + mem.get("overhead").asLong());
        long ctx = mem.get("context_length").asLong();
        JsonNode shorter = Json.mapper().readTree(get("/api/hearth/models?num_ctx=16").body()).get("models").get(0);
        assertThat(shorter.get("memory").get("context_length").asLong()).isEqualTo(Math.min(16, ctx));
        assertThat(shorter.get("memory").get("kv_cache").asLong()).isLessThan(mem.get("kv_cache").asLong());
        assertThat(get("/api/hearth/models?num_ctx=0").status()).isEqualTo(400);
        assertThat(get("/api/hearth/models?num_ctx=x").status()).isEqualTo(400);
    }
}
