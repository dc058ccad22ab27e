package dev.hearth.store.pull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Asks a server {@code GET /v2/} in plain HTTP/1.1 over a raw socket and reads only its status line, to tell
 * a plain-HTTP registry from an HTTPS one without waiting for a TLS handshake that will never finish.
 */
final class PlainHttpProbe {
    /** Longest status line read: {@code HTTP/1.1 NNN} plus a reason phrase. */
    private static final int MAX_STATUS_LINE = 256;

    private PlainHttpProbe() {}

    /**
     * @param host a host name or address literal (IPv6 in brackets, as {@link java.net.URI#getHost()} gives it)
     * @return the HTTP status the server answered, or -1 if it did not answer with an HTTP/1.x status line in
     *     time (a TLS server, a closed port, a timeout, anything else)
     */
    static int status(String host, int port, Duration connectTimeout, Duration readTimeout) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(bare, port), (int) Math.min(Integer.MAX_VALUE,
                    Math.max(1, connectTimeout.toMillis())));
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, readTimeout.toMillis())));
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v2/ HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            long deadline = System.nanoTime() + readTimeout.toNanos(); // also against a server trickling bytes
            int b;
            while (line.length() < MAX_STATUS_LINE && System.nanoTime() < deadline && (b = in.read()) >= 0
                    && b != '\r' && b != '\n') {
                line.append((char) b);
            }
            return parseStatusLine(line.toString());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {@code HTTP/1.0 200 OK} or {@code HTTP/1.1 404 Not Found} to its status; anything else -1. */
    static int parseStatusLine(String line) {
        if (line.length() < 12 || !(line.startsWith("HTTP/1.0 ") || line.startsWith("HTTP/1.1 "))) {
            return -1;
        }
        String code = line.substring(9, 12);
        if (!code.chars().allMatch(c -> c >= '0' && c <= '9') || (line.length() > 12 && line.charAt(12) != ' ')) {
            return -1;
        }
        int status = Integer.parseInt(code);
        return status >= 100 && status <= 599 ? status : -1;
    }
}
