package dev.hearth.store.pull;

import dev.hearth.store.Digest;
import dev.hearth.store.Json;
import dev.hearth.store.Manifest;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelNotFoundException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The registry side of a pull: Docker registry HTTP API v2 as Ollama's registry and Hugging Face serve it.
 *
 * <ul>
 *   <li>{@code GET /v2/<namespace>/<model>/manifests/<tag>} with {@code Accept:} the Docker v2 manifest type,
 *       read up to {@link Manifest#MAX_BYTES};
 *   <li>{@code GET /v2/<namespace>/<model>/blobs/<digest>} with {@code Range: bytes=a-b}, usually redirected to
 *       a CDN;
 *   <li>on 401 with a {@code Bearer} challenge, a token from the challenge's realm, which must be on the
 *       registry's own host (or a host known to issue that registry's tokens), over HTTPS unless
 *       {@code --insecure};
 *   <li>redirects are followed by hand, at most {@link PullOptions#maxRedirects()}, never from HTTPS to HTTP
 *       unless insecure, and the token is only ever sent to the registry's own origin.
 * </ul>
 * One client serves one pull (it remembers the token).
 */
public final class RegistryClient {

    /** Registries whose tokens come from another host: Ollama's registry delegates to ollama.com. */
    private static final Map<String, Set<String>> TRUSTED_REALM_HOSTS = Map.of(
            "registry.ollama.ai", Set.of("ollama.com", "www.ollama.com"));

    private static final int MAX_TOKEN_RESPONSE_BYTES = 64 << 10;
    private static final int MAX_TOKEN_LENGTH = 16 << 10;
    private static final int MAX_ERROR_BODY_BYTES = 16 << 10;
    /** A plain-HTTP server on the local network answers a request line within milliseconds. */
    private static final Duration PROBE_READ_TIMEOUT = Duration.ofSeconds(2);
    private static final String USER_AGENT = "hearth/" + versionOf() + " (" + System.getProperty("os.arch") + " "
            + System.getProperty("os.name") + ") Java/" + Runtime.version().feature();

    private final HttpClient http;
    private final ModelName name;
    private final PullOptions options;
    private final URI base;
    private volatile String token;
    private volatile boolean probedForPlainHttp;

    public RegistryClient(HttpClient http, ModelName name, PullOptions options) {
        this.http = http;
        this.name = name;
        this.options = options;
        this.base = URI.create((options.insecure() ? "http" : "https") + "://" + name.host());
    }

    /** A client for registries: HTTP/2 where the server offers it, no automatic redirects. */
    public static HttpClient newHttpClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
    }

    public URI manifestUri() {
        return base.resolve("/v2/" + name.namespace() + "/" + name.model() + "/manifests/" + name.tag());
    }

    public URI blobUri(Digest digest) {
        return base.resolve("/v2/" + name.namespace() + "/" + name.model() + "/blobs/" + digest);
    }

    /**
     * Fetches the manifest's bytes (not yet validated), refusing one over {@link Manifest#MAX_BYTES}.
     *
     * @throws ModelNotFoundException if the registry does not know the model or tag
     */
    public byte[] fetchManifest() throws IOException {
        HttpResponse<InputStream> r = send(manifestUri(), Map.of("Accept",
                MediaTypes.MANIFEST_V2 + ", " + MediaTypes.OCI_MANIFEST));
        try (InputStream body = r.body()) {
            int status = r.statusCode();
            if (status == 404) {
                String detail = errorMessage(body);
                throw new ModelNotFoundException("model '" + name.displayShortest() + "' not found on " + name.host()
                        + (detail.isEmpty() ? "" : " (" + detail + ")"));
            }
            if (status != 200) {
                throw statusError(status, body, "the manifest of " + name.displayShortest());
            }
            long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > Manifest.MAX_BYTES) {
                throw new RegistryException(tooBig(declared), 0, false);
            }
            byte[] bytes = readUpTo(body, Manifest.MAX_BYTES + 1);
            if (bytes.length > Manifest.MAX_BYTES) {
                throw new RegistryException(tooBig(-1), 0, false);
            }
            return bytes;
        }
    }

    private String tooBig(long declared) {
        return "the registry sent a manifest for " + name.displayShortest() + " of "
                + (declared >= 0 ? declared + " bytes" : "more than " + Manifest.MAX_BYTES + " bytes")
                + "; manifests are limited to " + Manifest.MAX_BYTES + " bytes, so it was refused";
    }

    /**
     * Opens a blob, asking for bytes {@code first..last} (inclusive). The caller checks the status: 206 with a
     * matching {@code Content-Range}, or 200 if the server ignored the range; anything else is thrown here.
     */
    public HttpResponse<InputStream> openBlob(Digest digest, long first, long last) throws IOException {
        HttpResponse<InputStream> r = send(blobUri(digest), Map.of("Range", "bytes=" + first + "-" + last));
        int status = r.statusCode();
        if (status == 200 || status == 206) {
            return r;
        }
        try (InputStream body = r.body()) {
            if (status == 404) {
                throw new RegistryException("the registry has no blob " + digest + " for " + name.displayShortest()
                        + " (HTTP 404)", 404, false);
            }
            if (status == 416) {
                throw new RegistryException("the registry refused the byte range " + first + "-" + last + " of "
                        + digest + " (HTTP 416); its size does not match the manifest", 416, false);
            }
            throw statusError(status, body, "blob " + digest.shortHex());
        }
    }

    // ---- HTTP with redirects and auth -------------------------------------------------------------------

    private HttpResponse<InputStream> send(URI uri, Map<String, String> headers) throws IOException {
        refuseIfPlainHttp();
        URI current = uri;
        boolean triedAuth = false;
        int redirects = 0;
        while (true) {
            boolean registryOrigin = sameOrigin(current, base);
            HttpRequest.Builder b = HttpRequest.newBuilder(current).GET()
                    .timeout(options.responseTimeout())
                    .header("User-Agent", USER_AGENT);
            if (current.getScheme().equals("http")) {
                b.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance with plain-HTTP servers
            }
            headers.forEach(b::header);
            String t = token;
            if (t != null && registryOrigin) {
                b.header("Authorization", "Bearer " + t);
            }
            HttpResponse<InputStream> r = exchange(b.build());
            int status = r.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                r.body().close();
                if (++redirects > options.maxRedirects()) {
                    throw new RegistryException("too many redirects (more than " + options.maxRedirects()
                            + ") fetching " + uri.getPath(), status, false);
                }
                current = redirectTarget(current, r.headers().firstValue("Location").orElse(null));
                continue;
            }
            if (status == 401 && registryOrigin && !triedAuth) {
                triedAuth = true;
                String challenge = r.headers().firstValue("WWW-Authenticate").orElse(null);
                r.body().close();
                token = fetchToken(challenge);
                continue;
            }
            return r;
        }
    }

    private HttpResponse<InputStream> exchange(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new RegistryUnreachableException("connecting to " + request.uri().getAuthority() + " timed out"
                    + plainHttpHint(request), e);
        } catch (HttpTimeoutException e) {
            throw new IOException(request.uri().getAuthority() + " did not answer within "
                    + options.responseTimeout().toSeconds() + " s", e);
        } catch (ConnectException e) {
            throw new RegistryUnreachableException("cannot connect to " + request.uri().getAuthority()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (javax.net.ssl.SSLException e) {
            throw new RegistryUnreachableException("cannot talk HTTPS to " + request.uri().getAuthority() + " ("
                    + e.getMessage() + ")" + plainHttpHint(request), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            // A TLS failure wrapped in a plain IOException is still a protocol error, not a transient one:
            // retrying it only makes the user wait for the same answer.
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof javax.net.ssl.SSLException) {
                    throw new RegistryUnreachableException("cannot talk HTTPS to " + request.uri().getAuthority()
                            + " (" + c.getMessage() + ")" + plainHttpHint(request), e);
                }
            }
            throw e;
        }
    }

    /**
     * Before the first HTTPS request to a registry on an explicit port other than 443 (where local registries
     * live), asks it {@code GET /v2/} in plain HTTP. Many plain-HTTP servers (the JDK's, Go's) never answer a
     * TLS ClientHello, since it holds no line break: the handshake would hang until the connect timeout (30 s)
     * before the user learns to pass {@code --insecure}. A plain-HTTP server answers this probe at once with a
     * status line; a TLS server sends an alert, closes, or (Go, nginx) answers 400, which is not taken as proof.
     * Any failure of the probe itself is ignored: the real request reports it.
     */
    private void refuseIfPlainHttp() throws RegistryUnreachableException {
        if (options.insecure() || probedForPlainHttp || !base.getScheme().equals("https") || base.getPort() < 0
                || base.getPort() == 443) {
            return;
        }
        probedForPlainHttp = true;
        int status = PlainHttpProbe.status(base.getHost(), base.getPort(), options.connectTimeout(), PROBE_READ_TIMEOUT);
        if (status > 0 && status != 400) {
            throw new RegistryUnreachableException(name.host() + " speaks plain HTTP, not HTTPS (it answered HTTP "
                    + status + " to a plain request); if you trust it, pass --insecure to pull over plain HTTP", null);
        }
    }

    /** A plain-HTTP server answers a TLS handshake with garbage or silence: say what to do about it. */
    private String plainHttpHint(HttpRequest request) {
        return request.uri().getScheme().equals("https") && !options.insecure()
                ? "; if it is a plain-HTTP registry, pass --insecure" : "";
    }

    private URI redirectTarget(URI from, String location) throws IOException {
        if (location == null || location.isBlank() || location.length() > 8192) {
            throw new RegistryException("the registry sent a redirect without a usable Location", 0, false);
        }
        URI to;
        try {
            to = from.resolve(new URI(location.strip()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new RegistryException("the registry redirected to an invalid URL", 0, false);
        }
        String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && options.insecure())) {
            throw new RegistryException("the registry redirected to a " + (scheme.isEmpty() ? "relative" : scheme)
                    + " URL (" + to.getHost() + "); only HTTPS is followed" + (scheme.equals("http")
                    ? " unless --insecure is given" : ""), 0, false);
        }
        if (to.getRawUserInfo() != null) {
            throw new RegistryException("the registry redirected to a URL with embedded credentials; refused", 0, false);
        }
        if (to.getHost() == null) {
            throw new RegistryException("the registry redirected to a URL without a host", 0, false);
        }
        return to;
    }

    /** Gets a token from the realm named in a Bearer challenge (anonymous: Hearth has no registry keys). */
    private String fetchToken(String header) throws IOException {
        AuthChallenge c = AuthChallenge.parse(header);
        if (c == null || !c.scheme().equals("bearer") || c.param("realm") == null) {
            throw new RegistryException(name.host() + " requires authentication"
                    + (c != null && c.scheme().equals("basic") ? " with a user name and password," : ",")
                    + " which Hearth does not support (HTTP 401)", 401, false);
        }
        URI realm;
        try {
            realm = new URI(c.param("realm"));
        } catch (URISyntaxException e) {
            throw new RegistryException("the registry's token realm is not a valid URL", 401, false);
        }
        checkRealm(realm);
        StringBuilder query = new StringBuilder(realm.getRawQuery() == null ? "" : realm.getRawQuery());
        addQuery(query, "service", c.param("service"));
        if (c.param("scope") != null) {
            for (String scope : c.param("scope").split(" ")) {
                addQuery(query, "scope", scope);
            }
        }
        URI tokenUri;
        try {
            tokenUri = new URI(realm.getScheme(), realm.getRawAuthority(), realm.getRawPath(), null, null);
            tokenUri = URI.create(tokenUri + (query.isEmpty() ? "" : "?" + query));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new RegistryException("the registry's token realm is not a valid URL", 401, false);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(tokenUri).GET().timeout(options.responseTimeout())
                .header("User-Agent", USER_AGENT).header("Accept", "application/json");
        if (tokenUri.getScheme().equals("http")) {
            b.version(HttpClient.Version.HTTP_1_1);
        }
        HttpResponse<InputStream> r = exchange(b.build());
        try (InputStream body = r.body()) {
            if (r.statusCode() != 200) {
                throw new RegistryException("the registry refused a token for " + name.displayShortest() + " (HTTP "
                        + r.statusCode() + ")" + suffix(errorMessage(body)), r.statusCode(), r.statusCode() >= 500);
            }
            byte[] bytes = readUpTo(body, MAX_TOKEN_RESPONSE_BYTES + 1);
            if (bytes.length > MAX_TOKEN_RESPONSE_BYTES) {
                throw new RegistryException("the registry's token response is too large", 0, false);
            }
            JsonNode json = Json.parse(bytes, "token response");
            JsonNode tok = json.get("token");
            if (tok == null || !tok.isString() || tok.stringValue().isEmpty()) {
                tok = json.get("access_token");
            }
            if (tok == null || !tok.isString() || tok.stringValue().isEmpty()) {
                throw new RegistryException("the registry's token response has no token", 0, false);
            }
            String value = tok.stringValue();
            if (value.length() > MAX_TOKEN_LENGTH || !value.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
                throw new RegistryException("the registry sent a malformed token", 0, false);
            }
            return value;
        }
    }

    /** The token realm must be the registry's own host (or a known token host of it), over HTTPS unless insecure. */
    private void checkRealm(URI realm) throws RegistryException {
        String scheme = realm.getScheme() == null ? "" : realm.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && options.insecure())) {
            throw new RegistryException("the registry asked for a token from " + realm.getScheme() + "://"
                    + realm.getHost() + "; tokens are only fetched over HTTPS", 401, false);
        }
        if (realm.getRawUserInfo() != null || realm.getHost() == null) {
            throw new RegistryException("the registry's token realm is not a plain URL", 401, false);
        }
        boolean sameHost = sameOrigin(realm, base);
        Set<String> trusted = TRUSTED_REALM_HOSTS.getOrDefault(base.getHost().toLowerCase(Locale.ROOT), Set.of());
        if (!sameHost && !(trusted.contains(realm.getHost().toLowerCase(Locale.ROOT)) && effectivePort(realm) == 443)) {
            throw new RegistryException("the registry " + name.host() + " asked for a token from another host ("
                    + realm.getHost() + (realm.getPort() >= 0 ? ":" + realm.getPort() : "")
                    + "); refused so that no credentials leave the registry's host", 401, false);
        }
    }

    private static void addQuery(StringBuilder q, String key, String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        if (!q.isEmpty()) {
            q.append('&');
        }
        q.append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && b.getScheme() != null
                && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && b.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private RegistryException statusError(int status, InputStream body, String what) {
        String detail = errorMessage(body);
        boolean retryable = status >= 500 || status == 429 || status == 408;
        String message = switch (status) {
            case 401, 403 -> name.host() + " refused access to " + name.displayShortest() + " (HTTP " + status + ")";
            case 429 -> name.host() + " is rate-limiting requests (HTTP 429)";
            default -> name.host() + " answered HTTP " + status + " for " + what;
        };
        return new RegistryException(message + suffix(detail), status, retryable);
    }

    private static String suffix(String detail) {
        return detail.isEmpty() ? "" : ": " + detail;
    }

    /** The message of a Docker registry error body {@code {"errors":[{"code":..,"message":..}]}}, if any. */
    private static String errorMessage(InputStream body) {
        try {
            byte[] bytes = readUpTo(body, MAX_ERROR_BODY_BYTES);
            if (bytes.length == 0) {
                return "";
            }
            JsonNode json = Json.parse(bytes, "error");
            JsonNode errors = json.get("errors");
            JsonNode first = errors != null && errors.isArray() && errors.size() > 0 ? errors.get(0) : json;
            JsonNode msg = first.get("message");
            if (msg == null) {
                msg = first.get("error");
            }
            if (msg != null && msg.isString()) {
                String s = msg.stringValue().replaceAll("\\p{Cntrl}", " ").strip();
                return s.length() > 200 ? s.substring(0, 200) + "..." : s;
            }
        } catch (IOException | RuntimeException e) {
            // not a JSON error body: nothing to add
        }
        return "";
    }

    static byte[] readUpTo(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int total = 0;
        int n;
        while (total < limit && (n = in.read(buf, 0, Math.min(buf.length, limit - total))) > 0) {
            out.write(buf, 0, n);
            total += n;
        }
        return out.toByteArray();
    }

    private static String versionOf() {
        String v = RegistryClient.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** For tests: the token this client holds. */
    String token() {
        return token;
    }
}
