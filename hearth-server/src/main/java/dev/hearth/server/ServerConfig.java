package dev.hearth.server;

import dev.hearth.config.HearthSettings;
import dev.hearth.server.http.HttpLimits;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the HTTP side of {@code hearth serve} needs from the settings.
 *
 * @param bind address to listen on (port 0: any free port, for tests)
 * @param configuredHost the host as the user wrote it in {@code HEARTH_HOST} (a name is allowed in Host headers)
 * @param origins {@code HEARTH_ORIGINS}: browser origins allowed cross-origin access (patterns with {@code *})
 * @param apiKey {@code HEARTH_API_KEY}: if present, every API call needs {@code Authorization: Bearer <key>}
 * @param limits HTTP limits
 * @param conversations where the web page's chats are saved ({@code HEARTH_CONVERSATIONS}); empty: not saved
 */
public record ServerConfig(InetSocketAddress bind, String configuredHost, List<String> origins, Optional<String> apiKey,
        HttpLimits limits, Optional<Path> conversations) {

    public ServerConfig {
        origins = List.copyOf(origins);
    }

    /** A configuration that saves no chats. */
    public ServerConfig(InetSocketAddress bind, String configuredHost, List<String> origins, Optional<String> apiKey,
            HttpLimits limits) {
        this(bind, configuredHost, origins, apiKey, limits, Optional.empty());
    }

    public static ServerConfig from(HearthSettings settings) {
        URI host = settings.host();
        if (host.getScheme().equals("https")) {
            throw new IllegalArgumentException(HearthSettings.HOST + " uses https: hearth serve speaks plain HTTP; "
                    + "put a TLS proxy in front of it for https");
        }
        InetSocketAddress bind = new InetSocketAddress(host.getHost(), host.getPort());
        if (bind.isUnresolved()) {
            throw new IllegalArgumentException(HearthSettings.HOST + ": cannot resolve '" + host.getHost() + "' to an address");
        }
        return new ServerConfig(bind, host.getHost(), settings.origins(), settings.apiKey(), HttpLimits.DEFAULTS,
                Optional.of(settings.conversations()));
    }

    /** Loopback on a free port, no origins, no key: for tests and the CLI's in-process server. */
    public static ServerConfig ephemeralLoopback() {
        return new ServerConfig(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1", List.of(), Optional.empty(),
                HttpLimits.DEFAULTS);
    }

    public ServerConfig withOrigins(List<String> o) {
        return new ServerConfig(bind, configuredHost, o, apiKey, limits, conversations);
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(bind, configuredHost, origins, Optional.ofNullable(key), limits, conversations);
    }

    public ServerConfig withLimits(HttpLimits l) {
        return new ServerConfig(bind, configuredHost, origins, apiKey, l, conversations);
    }

    public ServerConfig withConversations(Path dir) {
        return new ServerConfig(bind, configuredHost, origins, apiKey, limits, Optional.ofNullable(dir));
    }
}
