package dev.hearth.server;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Json;
import dev.hearth.server.conversations.ConversationEndpoints;
import dev.hearth.server.conversations.ConversationStore;
import dev.hearth.server.http.HttpExchange;
import dev.hearth.server.http.HttpServer;
import dev.hearth.server.models.ModelCatalog;
import dev.hearth.server.ollama.GenerateEndpoints;
import dev.hearth.server.openai.OpenAiEndpoints;
import dev.hearth.server.ollama.ModelEndpoints;
import dev.hearth.server.ollama.Responses;
import dev.hearth.server.ollama.TransferEndpoints;
import dev.hearth.server.runtime.Completions;
import dev.hearth.server.runtime.Scheduler;
import dev.hearth.server.runtime.SchedulerConfig;
import dev.hearth.server.ui.MachineEndpoints;
import dev.hearth.server.ui.WebUi;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code hearth serve}: the Ollama API ({@code /api/...}) and the OpenAI API ({@code /v1/...}) on one port.
 * Every request passes the {@link RequestGuard} (Host, Origin, API key) and is then routed; every refusal or
 * failure is answered with a JSON error in the addressed API's shape.
 */
public final class HearthServer implements AutoCloseable {
    /** Hearth's version. */
    public static final String VERSION = "0.1.0";
    /**
     * The Ollama API version {@code /api/version} reports. Clients compare it to Ollama releases to decide
     * which features (tools, structured output) to use, so it names the Ollama API level Hearth implements.
     */
    public static final String OLLAMA_API_VERSION = "0.12.0";

    private final ServerConfig config;
    private final HttpServer http;
    private final RequestGuard guard;
    private final Router router = new Router();
    private final PrintStream log;
    private final ModelEndpoints models;
    private final WebUi webUi = new WebUi();
    private final MachineEndpoints machine;
    private final ConversationEndpoints conversations;
    private final Scheduler scheduler;
    private final GenerateEndpoints generation;
    private final OpenAiEndpoints openAi;
    private final TransferEndpoints transfers;

    private HearthServer(ServerConfig config, SchedulerConfig schedulerConfig, ModelCatalog catalog, PrintStream log)
            throws IOException {
        this.config = config;
        this.log = log;
        this.scheduler = new Scheduler(schedulerConfig, log);
        this.models = new ModelEndpoints(catalog, name -> catalog.store().find(name).ifPresent(
                m -> scheduler.unload(m.manifestDigest().toString())));
        Completions completions = new Completions(catalog, scheduler, log);
        this.generation = new GenerateEndpoints(completions, models);
        this.openAi = new OpenAiEndpoints(completions);
        this.transfers = new TransferEndpoints(catalog);
        this.machine = new MachineEndpoints(VERSION, catalog, schedulerConfig.contextLength());
        this.conversations = new ConversationEndpoints(config.conversations().map(ConversationStore::new).orElse(null));
        routes();
        this.guard = new RequestGuard(config, config.bind().getAddress());
        this.http = HttpServer.start(config.bind(), config.limits(), this::handle, ErrorBodies::json, this::logFailure);
    }

    /**
     * Starts serving.
     *
     * @param log where the access log and failures go (null: nowhere)
     */
    public static HearthServer start(ServerConfig config, SchedulerConfig scheduler, ModelCatalog catalog, PrintStream log)
            throws IOException {
        return new HearthServer(config, scheduler, Objects.requireNonNull(catalog), log);
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public InetSocketAddress address() {
        return http.address();
    }

    public int port() {
        return http.port();
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:11434}. */
    public String baseUrl() {
        InetSocketAddress a = address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void routes() {
        router.add("GET", "/", (ex, rest) -> ex.send(200, "text/plain; charset=utf-8",
                "Hearth is running".getBytes(StandardCharsets.UTF_8)));
        router.add("GET", "/api/version", (ex, rest) -> {
            ObjectNode o = Json.object();
            o.put("version", OLLAMA_API_VERSION);
            o.put("hearth", VERSION);
            Responses.json(ex, 200, o);
        });
        router.add("GET", "/api/tags", (ex, rest) -> models.tags(ex));
        router.add("POST", "/api/show", (ex, rest) -> models.show(ex));
        router.add("POST", "/api/copy", (ex, rest) -> models.copy(ex));
        router.add("DELETE", "/api/delete", (ex, rest) -> models.delete(ex));
        router.add("POST", "/api/generate", (ex, rest) -> generation.generate(ex));
        router.add("POST", "/api/chat", (ex, rest) -> generation.chat(ex));
        router.add("POST", "/api/embed", (ex, rest) -> generation.embed(ex));
        router.add("POST", "/api/embeddings", (ex, rest) -> generation.embeddings(ex));
        router.add("GET", "/api/ps", (ex, rest) -> generation.ps(ex));
        router.add("POST", "/api/pull", (ex, rest) -> transfers.pull(ex));
        router.add("POST", "/api/create", (ex, rest) -> transfers.create(ex));
        router.addPrefix("HEAD", "/api/blobs/", transfers::headBlob);
        router.addPrefix("POST", "/api/blobs/", transfers::postBlob);
        router.add("POST", "/v1/chat/completions", (ex, rest) -> openAi.chatCompletions(ex));
        router.add("POST", "/v1/completions", (ex, rest) -> openAi.completions(ex));
        router.add("POST", "/v1/embeddings", (ex, rest) -> openAi.embeddings(ex));
        router.add("GET", "/v1/models", (ex, rest) -> openAi.models(ex));
        router.addPrefix("GET", "/v1/models/", openAi::model);
        // Hearth's web page (/ui/) and the Hearth-only endpoints it uses.
        router.add("GET", "/ui", (ex, rest) -> webUi.redirect(ex));
        router.add("GET", "/ui/", (ex, rest) -> webUi.serve(ex, ""));
        router.addPrefix("GET", "/ui/", webUi::serve);
        router.add("GET", "/api/hearth/system", (ex, rest) -> machine.system(ex));
        router.add("GET", "/api/hearth/models", (ex, rest) -> machine.models(ex));
        router.add("GET", "/api/hearth/conversations", (ex, rest) -> conversations.list(ex));
        router.add("POST", "/api/hearth/conversations", (ex, rest) -> conversations.create(ex));
        router.addPrefix("GET", "/api/hearth/conversations/", conversations::get);
        router.addPrefix("PUT", "/api/hearth/conversations/", conversations::replace);
        router.addPrefix("PATCH", "/api/hearth/conversations/", conversations::patch);
        router.addPrefix("DELETE", "/api/hearth/conversations/", conversations::delete);
    }

    private void handle(HttpExchange ex) throws Exception {
        long start = System.nanoTime();
        try {
            if (guard.answered(ex, this::writeError)) {
                return;
            }
            if (ex.method().equals("OPTIONS")) {
                ex.addHeader("Allow", RequestGuard.ALLOW_METHODS);
                ex.send(204, null, new byte[0]);
                return;
            }
            router.dispatch(ex);
        } catch (ApiException e) {
            writeError(ex, e);
        } catch (HttpExchange.BodyTooLargeException e) {
            throw e; // the protocol layer answers 413 and closes
        } finally {
            access(ex, start);
        }
    }

    /** Writes an API error if the response has not started; a streaming response is closed by the caller. */
    void writeError(HttpExchange ex, ApiException e) throws IOException {
        if (!ex.committed()) {
            ex.send(e.status(), Responses.JSON, ErrorBodies.json(ex.path(), e.status(), e.getMessage())
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    private void access(HttpExchange ex, long start) {
        if (log == null) {
            return;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        InetSocketAddress remote = ex.remoteAddress();
        log.printf("[hearth] %s | %6d ms | %s | %s %s%n", ex.committed() ? Integer.toString(ex.status()) : "---", ms,
                remote == null ? "-" : remote.getAddress().getHostAddress(), ex.method(), printable(ex.path()));
    }

    private void logFailure(HttpExchange ex, Throwable e) {
        if (log != null) {
            log.println("[hearth] error in " + ex.method() + " " + printable(ex.path()) + ": " + e);
            if (System.getenv("HEARTH_DEBUG") != null) {
                e.printStackTrace(log);
            }
        }
    }

    private static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** Stops accepting, gives running requests a moment, and closes everything. */
    public void stop(Duration grace) {
        try {
            http.stop(grace);
        } finally {
            scheduler.close();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(2));
    }
}
