package dev.hearth.server.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A small HTTP/1.1 server (RFC 9112): one virtual thread per connection with blocking I/O, keep-alive,
 * chunked bodies both ways, {@code Expect: 100-continue}, and limits on everything a client sends.
 *
 * <p>Why not a framework: an inference server must notice a client that disconnects while its prompt is
 * being processed, when nothing is being written, to stop wasting the compute. That needs a read on the
 * idle socket during the handler ({@link ConnectionInput}), which Helidon 4.5's webserver does not allow
 * (its NIO sockets make {@code idle()} a no-op; its plain sockets' idle monitor gives up after 101 ms
 * when the socket has no read timeout). Owning the protocol layer also lets every malformed request get a
 * JSON error body instead of a framework's HTML or a dropped connection.
 */
public final class HttpServer implements AutoCloseable {

    /** Formats the JSON body of an error response for a request path. */
    @FunctionalInterface
    public interface ErrorFormatter {
        String json(String path, int status, String message);
    }

    private final ServerSocket serverSocket;
    private final HttpLimits limits;
    private final HttpHandler handler;
    private final ErrorFormatter errors;
    private final BiConsumer<HttpExchange, Throwable> failureReporter;
    private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closing;

    private HttpServer(ServerSocket serverSocket, HttpLimits limits, HttpHandler handler, ErrorFormatter errors,
            BiConsumer<HttpExchange, Throwable> failureReporter) {
        this.serverSocket = serverSocket;
        this.limits = limits;
        this.handler = handler;
        this.errors = errors;
        this.failureReporter = failureReporter;
        this.acceptor = Thread.ofPlatform().daemon().name("hearth-http-accept").unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code address} (port 0 picks a free port) and starts accepting.
     *
     * @param failureReporter told about handler exceptions that became 500 responses (for the log)
     */
    public static HttpServer start(InetSocketAddress address, HttpLimits limits, HttpHandler handler,
            ErrorFormatter errors, BiConsumer<HttpExchange, Throwable> failureReporter) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(address, 256);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        HttpServer server = new HttpServer(socket, limits, handler, errors, failureReporter);
        server.acceptor.start();
        return server;
    }

    /** The bound address (with the actual port when 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    HttpLimits limits() {
        return limits;
    }

    HttpHandler handler() {
        return handler;
    }

    boolean closing() {
        return closing;
    }

    String errorJson(String path, int status, String message) {
        return errors.json(path, status, message);
    }

    void reportFailure(HttpExchange exchange, Throwable e) {
        failureReporter.accept(exchange, e);
    }

    void connectionClosed(HttpConnection c) {
        if (connections.remove(c)) {
            open.decrementAndGet();
        }
    }

    private void acceptLoop() {
        while (!closing) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                continue; // e.g. too many open files: keep serving the connections we have
            }
            if (open.incrementAndGet() > limits.maxConnections()) {
                open.decrementAndGet();
                Thread.ofVirtual().start(() -> refuse(socket));
                continue;
            }
            HttpConnection c = new HttpConnection(this, socket);
            connections.add(c);
            try {
                Thread.ofVirtual().name("hearth-http").start(c);
            } catch (RuntimeException | OutOfMemoryError e) {
                connectionClosed(c);
                c.closeSocket();
            }
        }
    }

    private void refuse(Socket socket) {
        try (socket) {
            byte[] body = errors.json("", 503, "too many connections").getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            // the client is gone
        }
    }

    /** Stops accepting, closes idle connections, and gives running requests {@code grace} to finish. */
    public void stop(Duration grace) {
        closing = true;
        try {
            serverSocket.close();
        } catch (IOException e) {
            // closing anyway
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            boolean anyBusy = false;
            for (HttpConnection c : connections) {
                if (c.busy()) {
                    anyBusy = true;
                } else {
                    c.closeSocket();
                }
            }
            if (!anyBusy || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (HttpConnection c : connections) {
            c.closeSocket();
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(2));
    }
}
