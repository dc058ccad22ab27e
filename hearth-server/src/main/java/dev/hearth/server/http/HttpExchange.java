package dev.hearth.server.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One request and its response. The request body is read on demand ({@link #body}); the response is either
 * sent whole ({@link #send}) or streamed in chunks ({@link #startStream}). Used by one thread: the
 * connection's.
 */
public final class HttpExchange {

    /** Thrown by {@link #body} for a body larger than allowed; the server answers it with a 413. */
    public static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(long max) {
            super("the request body is larger than " + max + " bytes");
        }
    }

    private final HttpConnection connection;
    private final String method;
    private final String rawTarget;
    private final String path;
    private final String rawQuery;
    private final boolean http11;
    private final Map<String, List<String>> headers;
    private final RequestBody requestBody;
    private final List<String[]> responseHeaders = new ArrayList<>();

    private boolean committed;
    private boolean closeAfter;
    private int status;
    private ResponseStream stream;

    HttpExchange(HttpConnection connection, String method, String rawTarget, String path, String rawQuery,
            boolean http11, Map<String, List<String>> headers, RequestBody requestBody) {
        this.connection = connection;
        this.method = method;
        this.rawTarget = rawTarget;
        this.path = path;
        this.rawQuery = rawQuery;
        this.http11 = http11;
        this.headers = headers;
        this.requestBody = requestBody;
    }

    // ---- request ------------------------------------------------------------------------------------------

    public String method() {
        return method;
    }

    /** The request target as sent ({@code /v1/models/a%2Fb?x=1}). */
    public String rawTarget() {
        return rawTarget;
    }

    /** The path, percent-decoded as UTF-8 ({@code /v1/models/a/b}). */
    public String path() {
        return path;
    }

    /** The query without its '?', undecoded; empty if none. */
    public String rawQuery() {
        return rawQuery;
    }

    /** The first value of a header (names are case-insensitive). */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /** Every value of a header, in order. */
    public List<String> headers(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null ? List.of() : List.copyOf(values);
    }

    public InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    public InetSocketAddress localAddress() {
        return connection.localAddress();
    }

    /** Whether the request declares a body (a Content-Length above 0, or chunked). */
    public boolean hasBody() {
        return requestBody.declared();
    }

    /** The whole request body, at most the server's {@link HttpLimits#maxBodyBytes} bytes. */
    public byte[] body() throws IOException {
        return body(connection.maxBodyBytes());
    }

    /**
     * The whole request body, at most {@code max} bytes; a larger one fails with
     * {@link BodyTooLargeException} before it is read (when its length is declared) or as soon as it passes
     * the limit (chunked).
     */
    public byte[] body(long max) throws IOException {
        InputStream in = bodyStream(max);
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(requestBody.declaredLength(), 0), 1 << 20));
        in.transferTo(out);
        return out.toByteArray();
    }

    /** The body as a stream of at most {@code max} bytes (for uploads too large to hold in memory). */
    public InputStream bodyStream(long max) throws IOException {
        if (requestBody.declaredLength() > max) {
            throw new BodyTooLargeException(max);
        }
        if (!committed) {
            connection.sendContinueIfExpected(this);
        }
        return requestBody.stream(max);
    }

    boolean http11() {
        return http11;
    }

    RequestBody requestBody() {
        return requestBody;
    }

    /**
     * Whether the client has gone away (closed or reset the connection, or a write to it failed). The first
     * call starts watching the connection, so call it only once the body has been read; from then on it is
     * a cheap volatile read, suitable for polling from the engine's thread.
     */
    public boolean clientGone() {
        if (connection.input().peerGone()) {
            return true;
        }
        if (requestBody.fullyRead()) {
            connection.input().startWatching();
        }
        return connection.input().peerGone();
    }

    /** Starts watching for a disconnect now (the body must have been read). */
    public void watchForDisconnect() {
        if (requestBody.fullyRead()) {
            connection.input().startWatching();
        }
    }

    // ---- response -----------------------------------------------------------------------------------------

    /** Adds a response header (before the response is committed). */
    public void addHeader(String name, String value) {
        if (committed) {
            throw new IllegalStateException("the response has been committed");
        }
        checkHeaderText(name, value);
        responseHeaders.add(new String[] {name, value});
    }

    /** Whether the status line has been written (no other status can be sent any more). */
    public boolean committed() {
        return committed;
    }

    public int status() {
        return status;
    }

    /** Asks for the connection to close after this response. */
    public void closeConnectionAfter() {
        closeAfter = true;
    }

    boolean closeAfter() {
        return closeAfter;
    }

    /** Sends a whole response ({@code contentType} may be null for an empty body). */
    public void send(int status, String contentType, byte[] body) throws IOException {
        if (committed) {
            throw new IllegalStateException("the response has been committed");
        }
        this.status = status;
        committed = true;
        connection.prepareClose(this);
        StringBuilder head = statusLine(status);
        if (contentType != null) {
            header(head, "Content-Type", contentType);
        }
        boolean bodyAllowed = status >= 200 && status != 204 && status != 304;
        if (bodyAllowed) {
            header(head, "Content-Length", Integer.toString(body.length));
        }
        finishHead(head);
        connection.writeHead(head, method.equals("HEAD") || !bodyAllowed ? null : body);
    }

    /** Sends JSON text (UTF-8). */
    public void sendJson(int status, String json) throws IOException {
        send(status, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Commits the status and headers and returns a stream for the body: each {@code flush()} sends what was
     * written since as one chunk, so a client sees every streamed line at once. Closing it ends the body.
     */
    public ResponseStream startStream(int status, String contentType) throws IOException {
        if (committed) {
            throw new IllegalStateException("the response has been committed");
        }
        this.status = status;
        committed = true;
        if (!http11) {
            closeAfter = true; // HTTP/1.0 has no chunked encoding: the body ends when the connection does
        }
        connection.prepareClose(this);
        StringBuilder head = statusLine(status);
        header(head, "Content-Type", contentType);
        boolean head_ = method.equals("HEAD");
        if (http11 && !head_) {
            header(head, "Transfer-Encoding", "chunked");
        }
        finishHead(head);
        connection.writeHead(head, null);
        connection.flush();
        stream = new ResponseStream(connection, http11, head_);
        return stream;
    }

    ResponseStream stream() {
        return stream;
    }

    private StringBuilder statusLine(int status) {
        StringBuilder head = new StringBuilder(256);
        head.append(http11 ? "HTTP/1.1 " : "HTTP/1.0 ").append(status).append(' ').append(reason(status)).append("\r\n");
        for (String[] h : responseHeaders) {
            header(head, h[0], h[1]);
        }
        return head;
    }

    private void finishHead(StringBuilder head) {
        if (closeAfter) {
            header(head, "Connection", "close");
        } else if (!http11) {
            header(head, "Connection", "keep-alive");
        }
        head.append("\r\n");
    }

    private static void header(StringBuilder head, String name, String value) {
        head.append(name).append(": ").append(value).append("\r\n");
    }

    private static void checkHeaderText(String name, String value) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || c == ':') {
                throw new IllegalArgumentException("invalid header name: " + name);
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < ' ' && c != '\t') || c == 127 || c > 255) {
                throw new IllegalArgumentException("invalid character in header " + name);
            }
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 417 -> "Expectation Failed";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            case 507 -> "Insufficient Storage";
            default -> status < 300 ? "OK" : status < 400 ? "Redirect" : status < 500 ? "Client Error" : "Server Error";
        };
    }

    /** A streamed response body: chunked on HTTP/1.1, raw until close on HTTP/1.0, nothing for HEAD. */
    public static final class ResponseStream extends OutputStream {
        private final HttpConnection connection;
        private final boolean chunked;
        private final boolean discard;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream(512);
        private boolean closed;

        ResponseStream(HttpConnection connection, boolean chunked, boolean discard) {
            this.connection = connection;
            this.chunked = chunked;
            this.discard = discard;
        }

        @Override
        public void write(int b) throws IOException {
            ensureOpen();
            pending.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ensureOpen();
            pending.write(b, off, len);
        }

        private void ensureOpen() throws IOException {
            if (closed) {
                throw new IOException("the response stream is closed");
            }
        }

        /** Sends what was written since the last flush as one chunk. */
        @Override
        public void flush() throws IOException {
            ensureOpen();
            sendPending();
            connection.flush();
        }

        private void sendPending() throws IOException {
            if (pending.size() == 0 || discard) {
                pending.reset();
                return;
            }
            byte[] data = pending.toByteArray();
            pending.reset();
            if (chunked) {
                connection.writeRaw((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                connection.writeRaw(data);
                connection.writeRaw(CRLF);
            } else {
                connection.writeRaw(data);
            }
        }

        /** Ends the body (the last chunk). */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            sendPending();
            closed = true;
            if (chunked && !discard) {
                connection.writeRaw(LAST_CHUNK);
            }
            connection.flush();
        }

        boolean closed() {
            return closed;
        }

        private static final byte[] CRLF = {'\r', '\n'};
        private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }
}
