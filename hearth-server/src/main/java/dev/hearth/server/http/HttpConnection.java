package dev.hearth.server.http;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One client connection: reads requests one after another (HTTP/1.1 keep-alive), hands each to the handler
 * and writes its response. Runs on its own virtual thread.
 */
final class HttpConnection implements Runnable {
    /** An unread body up to this size is skipped to keep the connection; a larger one closes it. */
    private static final long MAX_DRAIN_BYTES = 256 * 1024;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpServer server;
    private final Socket socket;
    private final HttpLimits limits;
    private ConnectionInput input;
    private OutputStream out;
    private volatile boolean busy;
    private boolean continueSent;
    private boolean expectContinue;
    private boolean requestWantsClose;

    HttpConnection(HttpServer server, Socket socket) {
        this.server = server;
        this.socket = socket;
        this.limits = server.limits();
    }

    long maxBodyBytes() {
        return limits.maxBodyBytes();
    }

    ConnectionInput input() {
        return input;
    }

    boolean busy() {
        return busy;
    }

    void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    InetSocketAddress remoteAddress() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public void run() {
        try (socket) {
            socket.setTcpNoDelay(true); // streamed tokens must leave at once, not wait for Nagle
            input = new ConnectionInput(socket);
            out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            while (!server.closing()) {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, limits.idleTimeout().toMillis()));
                try {
                    if (!input.awaitData()) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    return; // idle keep-alive connection
                }
                busy = true;
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, limits.readTimeout().toMillis()));
                HttpExchange exchange;
                try {
                    exchange = readRequest();
                } catch (HttpProtocolException e) {
                    sendProtocolError(e.status, e.getMessage(), "");
                    return;
                } catch (SocketTimeoutException e) {
                    sendProtocolError(408, "timed out reading the request", "");
                    return;
                }
                if (!serve(exchange)) {
                    return;
                }
                busy = false;
            }
        } catch (IOException e) {
            // the client went away or the socket was closed by shutdown: nothing to answer
        } finally {
            server.connectionClosed(this);
        }
    }

    // ---- request head -------------------------------------------------------------------------------------

    private HttpExchange readRequest() throws IOException, HttpProtocolException {
        String line = input.readLine(limits.maxRequestLineBytes(), 414, "the request line");
        while (line.isEmpty()) { // RFC 9112 section 2.2: ignore empty lines before a request line
            line = input.readLine(limits.maxRequestLineBytes(), 414, "the request line");
        }
        int sp1 = line.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
            throw new HttpProtocolException(400, "malformed request line");
        }
        String method = line.substring(0, sp1);
        String target = line.substring(sp1 + 1, sp2);
        String version = line.substring(sp2 + 1);
        for (int i = 0; i < method.length(); i++) {
            if (!isTokenChar(method.charAt(i))) {
                throw new HttpProtocolException(400, "malformed request method");
            }
        }
        boolean http11;
        if (version.equals("HTTP/1.1")) {
            http11 = true;
        } else if (version.equals("HTTP/1.0")) {
            http11 = false;
        } else if (version.startsWith("HTTP/")) {
            throw new HttpProtocolException(505, "only HTTP/1.0 and HTTP/1.1 are supported");
        } else {
            throw new HttpProtocolException(400, "malformed request line");
        }

        Map<String, List<String>> headers = readHeaders();
        requestWantsClose = connectionHas(headers, "close") || (!http11 && !connectionHas(headers, "keep-alive"));
        continueSent = false;
        expectContinue = false;

        List<String> hosts = headers.getOrDefault("host", List.of());
        if (http11 && hosts.size() != 1 || hosts.size() > 1) {
            throw new HttpProtocolException(400, "a request must have exactly one Host header");
        }
        List<String> expect = headers.getOrDefault("expect", List.of());
        if (!expect.isEmpty()) {
            if (expect.size() == 1 && expect.getFirst().equalsIgnoreCase("100-continue")) {
                expectContinue = http11;
            } else {
                throw new HttpProtocolException(417, "only 'Expect: 100-continue' is supported");
            }
        }
        RequestBody body = framing(headers);

        // Request target: origin-form ("/path?query") only, and "*" for OPTIONS. An absolute-form target
        // would carry its own authority beside the Host header, which only proxies need: refused.
        String path;
        String query = "";
        if (target.equals("*") && method.equals("OPTIONS")) {
            path = "*";
        } else if (!target.startsWith("/")) {
            throw new HttpProtocolException(400, "the request target must be a path starting with '/'");
        } else {
            for (int i = 0; i < target.length(); i++) {
                char c = target.charAt(i);
                if (c <= ' ' || c >= 127 || c == '#') {
                    throw new HttpProtocolException(400, "invalid character in the request target");
                }
            }
            int q = target.indexOf('?');
            String rawPath = q < 0 ? target : target.substring(0, q);
            query = q < 0 ? "" : target.substring(q + 1);
            path = percentDecode(rawPath);
        }
        return new HttpExchange(this, method, target, path, query, http11, headers, body);
    }

    private Map<String, List<String>> readHeaders() throws IOException, HttpProtocolException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int total = 0;
        int count = 0;
        while (true) {
            String line = input.readLine(limits.maxHeaderBytes(), 431, "a header line");
            if (line.isEmpty()) {
                return headers;
            }
            total += line.length() + 2;
            if (total > limits.maxHeaderBytes()) {
                throw new HttpProtocolException(431, "the request headers are larger than " + limits.maxHeaderBytes() + " bytes");
            }
            if (++count > limits.maxHeaders()) {
                throw new HttpProtocolException(431, "more than " + limits.maxHeaders() + " request headers");
            }
            char first = line.charAt(0);
            if (first == ' ' || first == '\t') {
                throw new HttpProtocolException(400, "folded header lines are not allowed"); // RFC 9112 section 5.2
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new HttpProtocolException(400, "malformed header line");
            }
            String name = line.substring(0, colon);
            for (int i = 0; i < name.length(); i++) {
                if (!isTokenChar(name.charAt(i))) {
                    throw new HttpProtocolException(400, "malformed header name"); // also rejects "Name :" (section 5.1)
                }
            }
            String value = line.substring(colon + 1).strip();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < ' ' && c != '\t') || c == 127) {
                    throw new HttpProtocolException(400, "invalid character in header " + name);
                }
            }
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(value);
        }
    }

    /** Body framing per RFC 9112 section 6.3, refusing the ambiguous cases request smuggling relies on. */
    private RequestBody framing(Map<String, List<String>> headers) throws HttpProtocolException {
        List<String> te = headers.get("transfer-encoding");
        List<String> cl = headers.get("content-length");
        if (te != null) {
            if (cl != null) {
                throw new HttpProtocolException(400, "a request must not have both Content-Length and Transfer-Encoding");
            }
            if (te.size() != 1 || !te.getFirst().equalsIgnoreCase("chunked")) {
                throw new HttpProtocolException(501, "only 'Transfer-Encoding: chunked' is supported");
            }
            return new RequestBody(input, true, -1);
        }
        if (cl == null) {
            return new RequestBody(input, false, 0);
        }
        long length = -1;
        for (String value : cl) {
            for (String part : value.split(",", -1)) {
                String v = part.strip();
                if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new HttpProtocolException(400, "invalid Content-Length");
                }
                long n = Long.parseLong(v);
                if (length >= 0 && n != length) {
                    throw new HttpProtocolException(400, "conflicting Content-Length values");
                }
                length = n;
            }
        }
        return new RequestBody(input, false, length);
    }

    private static boolean connectionHas(Map<String, List<String>> headers, String option) {
        for (String value : headers.getOrDefault("connection", List.of())) {
            for (String part : value.split(",")) {
                if (part.strip().equalsIgnoreCase(option)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isTokenChar(char c) {
        return c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }

    /** Decodes %XX escapes as UTF-8; malformed escapes, invalid UTF-8 and control characters are refused. */
    static String percentDecode(String raw) throws HttpProtocolException {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new HttpProtocolException(400, "malformed percent-escape in the path");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new HttpProtocolException(400, "malformed percent-escape in the path");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new HttpProtocolException(400, "the path is not valid UTF-8");
        }
        for (int i = 0; i < decoded.length(); i++) {
            if (decoded.charAt(i) < ' ' || decoded.charAt(i) == 127) {
                throw new HttpProtocolException(400, "control character in the path");
            }
        }
        return decoded;
    }

    // ---- serving ------------------------------------------------------------------------------------------

    /** Runs the handler and completes the response; returns whether the connection may continue. */
    private boolean serve(HttpExchange exchange) throws IOException {
        try {
            server.handler().handle(exchange);
        } catch (HttpExchange.BodyTooLargeException e) {
            return failRequest(exchange, 413, e.getMessage());
        } catch (IOException e) {
            if (e.getCause() instanceof HttpProtocolException p) {
                return failRequest(exchange, p.status, p.getMessage());
            }
            if (e instanceof SocketTimeoutException && !exchange.requestBody().fullyRead()) {
                return failRequest(exchange, 408, "timed out reading the request body");
            }
            return false; // a write failed: the client is gone
        } catch (Exception | StackOverflowError e) {
            server.reportFailure(exchange, e);
            if (!exchange.committed()) {
                exchange.closeConnectionAfter();
                sendError(exchange, 500, "internal error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                return false;
            }
            return false;
        } finally {
            input.stopWatching();
        }
        if (!exchange.committed()) {
            exchange.closeConnectionAfter();
            sendError(exchange, 500, "internal error: the request got no response");
            return false;
        }
        HttpExchange.ResponseStream stream = exchange.stream();
        if (stream != null && !stream.closed()) {
            stream.close();
        }
        out.flush();
        if (exchange.closeAfter() || input.peerGone()) {
            return false;
        }
        return exchange.requestBody().drain(MAX_DRAIN_BYTES);
    }

    private boolean failRequest(HttpExchange exchange, int status, String message) throws IOException {
        if (!exchange.committed()) {
            exchange.closeConnectionAfter();
            sendError(exchange, status, message);
        }
        return false;
    }

    private void sendError(HttpExchange exchange, int status, String message) throws IOException {
        exchange.sendJson(status, server.errorJson(exchange.path(), status, message));
        out.flush();
    }

    /** Answers a request whose head could not be read, then the connection closes. */
    private void sendProtocolError(int status, String message, String path) {
        try {
            byte[] body = server.errorJson(path, status, message).getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + status + " " + HttpExchange.reason(status) + "\r\n"
                    + "Content-Type: application/json; charset=utf-8\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + "Connection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // the client is gone
        }
    }

    /** Decides at commit time whether the connection closes after this response. */
    void prepareClose(HttpExchange exchange) {
        RequestBody body = exchange.requestBody();
        if (requestWantsClose || server.closing()) {
            exchange.closeConnectionAfter();
        } else if (!body.fullyRead()) {
            // An unread body must be skipped before the next request; a large or chunked one, or one the
            // client holds back waiting for "100 Continue", is not worth waiting for.
            boolean held = expectContinue && !continueSent;
            if (held || body.declaredLength() < 0 || body.declaredLength() > MAX_DRAIN_BYTES) {
                exchange.closeConnectionAfter();
            }
        }
    }

    void sendContinueIfExpected(HttpExchange exchange) throws IOException {
        if (expectContinue && !continueSent && !exchange.committed()) {
            continueSent = true;
            out.write(CONTINUE);
            out.flush();
        }
    }

    void writeHead(StringBuilder head, byte[] body) throws IOException {
        try {
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
        } catch (IOException e) {
            input.markGone();
            throw e;
        }
    }

    void writeRaw(byte[] data) throws IOException {
        try {
            out.write(data);
        } catch (IOException e) {
            input.markGone();
            throw e;
        }
    }

    void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            input.markGone();
            throw e;
        }
    }
}
