package dev.hearth.server.http;

import java.io.IOException;
import java.io.InputStream;

/**
 * The body of one request, framed by Content-Length or chunked transfer coding (RFC 9112 sections 6 and 7.1),
 * read from the connection on demand. A framing error is an {@link IOException} whose cause is an
 * {@link HttpProtocolException}; the connection then answers 400 and closes.
 */
final class RequestBody {
    /** Chunk-size lines and trailer fields are tiny; anything longer is an attack. */
    private static final int MAX_CHUNK_LINE = 1024;
    private static final int MAX_TRAILER_BYTES = 8 * 1024;

    private final ConnectionInput input;
    private final boolean chunked;
    /** Content-Length, 0 for no body, -1 when chunked. */
    private final long length;

    private long remainingInChunk; // chunked: bytes left in the current chunk
    private long remaining; // Content-Length: bytes left
    private boolean done;
    private boolean started;

    RequestBody(ConnectionInput input, boolean chunked, long length) {
        this.input = input;
        this.chunked = chunked;
        this.length = length;
        this.remaining = chunked ? 0 : length;
        this.done = !chunked && length == 0;
    }

    boolean declared() {
        return chunked || length > 0;
    }

    /** Content-Length, or -1 when chunked (unknown until read). */
    long declaredLength() {
        return chunked ? -1 : length;
    }

    boolean started() {
        return started;
    }

    boolean fullyRead() {
        return done;
    }

    InputStream stream(long max) {
        started = true;
        return new InputStream() {
            private long total;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = readBody(b, off, len);
                if (n > 0) {
                    total += n;
                    if (total > max) {
                        throw new HttpExchange.BodyTooLargeException(max);
                    }
                }
                return n;
            }
        };
    }

    private int readBody(byte[] b, int off, int len) throws IOException {
        if (done || len == 0) {
            return done ? -1 : 0;
        }
        if (!chunked) {
            int n = input.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw framing("the connection closed before the end of the request body");
            }
            remaining -= n;
            if (remaining == 0) {
                done = true;
            }
            return n;
        }
        if (remainingInChunk == 0) {
            long size = readChunkSize();
            if (size == 0) {
                readTrailers();
                done = true;
                return -1;
            }
            remainingInChunk = size;
        }
        int n = input.read(b, off, (int) Math.min(len, remainingInChunk));
        if (n < 0) {
            throw framing("the connection closed in the middle of a chunk");
        }
        remainingInChunk -= n;
        if (remainingInChunk == 0) {
            String end = line("chunk end");
            if (!end.isEmpty()) {
                throw framing("chunk data is longer than its declared size");
            }
        }
        return n;
    }

    private long readChunkSize() throws IOException {
        String line = line("chunk size line");
        int semi = line.indexOf(';'); // chunk extensions are allowed and ignored
        String hex = (semi >= 0 ? line.substring(0, semi) : line).strip();
        if (hex.isEmpty() || hex.length() > 15) {
            throw framing("invalid chunk size '" + abbreviate(hex) + "'");
        }
        long size = 0;
        for (int i = 0; i < hex.length(); i++) {
            int d = Character.digit(hex.charAt(i), 16);
            if (d < 0) {
                throw framing("invalid chunk size '" + abbreviate(hex) + "'");
            }
            size = size * 16 + d; // at most 15 hex digits: cannot overflow
        }
        return size;
    }

    private void readTrailers() throws IOException {
        int total = 0;
        while (true) {
            String trailer = line("trailer");
            if (trailer.isEmpty()) {
                return;
            }
            total += trailer.length();
            if (total > MAX_TRAILER_BYTES) {
                throw framing("request trailers are too large");
            }
        }
    }

    private String line(String what) throws IOException {
        try {
            return input.readLine(MAX_CHUNK_LINE, 400, what);
        } catch (HttpProtocolException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Reads and discards what is left of the body, if at most {@code maxBytes} remain (by declaration, or
     * by reading for chunked bodies). Returns whether the connection may carry another request.
     */
    boolean drain(long maxBytes) {
        if (done) {
            return true;
        }
        try {
            if (!chunked) {
                if (remaining > maxBytes) {
                    return false;
                }
                boolean ok = input.skip(remaining);
                remaining = 0;
                done = ok;
                return ok;
            }
            byte[] scratch = new byte[8192];
            long total = 0;
            while (!done) {
                int n = readBody(scratch, 0, scratch.length);
                if (n > 0) {
                    total += n;
                    if (total > maxBytes) {
                        return false;
                    }
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static IOException framing(String message) {
        return new IOException(message, new HttpProtocolException(400, message));
    }

    private static String abbreviate(String s) {
        return s.length() > 20 ? s.substring(0, 20) + "..." : s;
    }
}
