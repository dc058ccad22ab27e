package dev.hearth.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a raw socket, for tests that must send what real clients refuse to (any
 * Host header, malformed bodies). One request per connection ({@code Connection: close}); chunked responses
 * are decoded.
 */
final class RawHttp {
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {}

    static Response request(int port, String method, String path, String body, String... headers) throws IOException {
        return send(port, method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    static Response requestBytes(int port, String method, String path, byte[] body, String... headers) throws IOException {
        return send(port, method, path, body, headers);
    }

    private static Response send(int port, String method, String path, byte[] body, String... headers) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body;
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
        boolean hasHost = false;
        for (String h : headers) {
            head.append(h).append("\r\n");
            hasHost |= h.toLowerCase(Locale.ROOT).startsWith("host:");
        }
        if (!hasHost) {
            head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(bytes.length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(head.toString().getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            return parse(s.getInputStream(), method.equals("HEAD"));
        }
    }

    private static Response parse(InputStream in, boolean head) throws IOException {
        String status = line(in);
        int code = Integer.parseInt(status.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; !(l = line(in)).isEmpty(); ) {
            int c = l.indexOf(':');
            headers.merge(l.substring(0, c).strip().toLowerCase(Locale.ROOT), l.substring(c + 1).strip(), (a, b) -> a + ", " + b);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (!head) {
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                while (true) {
                    int size = Integer.parseInt(line(in).strip(), 16);
                    if (size == 0) {
                        line(in);
                        break;
                    }
                    body.write(in.readNBytes(size));
                    line(in);
                }
            } else if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else {
                in.transferTo(body);
            }
        }
        return new Response(code, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed mid-line");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
