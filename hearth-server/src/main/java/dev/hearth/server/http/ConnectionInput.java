package dev.hearth.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * The read side of one connection: a buffer over the socket, request-head line reading with limits, and the
 * disconnect watcher.
 *
 * <p>Why a watcher: once a request's body has been read, nothing reads the socket until the response is
 * done, so a client that goes away during a long prompt would go unnoticed until the first write. The watcher
 * (one virtual thread) keeps reading in short timed slices while the handler works: end of stream or a reset
 * means the client is gone; bytes mean the client pipelined its next request, which are kept in the buffer
 * for the connection to read afterwards. Only one thread reads at any time: the watcher runs strictly
 * between the handler's last body read and {@link #stopWatching}.
 */
final class ConnectionInput {
    /** Slice of each watcher read; bounds how long {@link #stopWatching} may wait. */
    private static final int WATCH_SLICE_MILLIS = 50;

    private final Socket socket;
    private final InputStream in;
    private byte[] buf = new byte[16 * 1024];
    private int pos;
    private int lim;

    private Thread watcher;
    private volatile boolean stopWatch;
    private volatile boolean peerGone;

    ConnectionInput(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    int buffered() {
        return lim - pos;
    }

    /** Reads more bytes into the buffer; -1 at end of stream. */
    private int fill() throws IOException {
        if (pos == lim) {
            pos = 0;
            lim = 0;
        } else if (lim == buf.length) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            } else {
                byte[] bigger = new byte[buf.length * 2];
                System.arraycopy(buf, 0, bigger, 0, lim);
                buf = bigger;
            }
        }
        int n = in.read(buf, lim, buf.length - lim);
        if (n > 0) {
            lim += n;
        }
        return n;
    }

    /** Waits for the first byte of a request; false at a clean end of stream. */
    boolean awaitData() throws IOException {
        while (pos == lim) {
            if (fill() < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * One line of the request head, without its line ending (CRLF, or a bare LF as RFC 9112 section 2.2
     * allows recipients to accept), decoded as ISO-8859-1. Lines longer than {@code max} bytes fail with
     * {@code tooLongStatus}.
     */
    String readLine(int max, int tooLongStatus, String what) throws IOException, HttpProtocolException {
        int scanned = 0;
        while (true) {
            for (int i = pos + scanned; i < lim; i++) {
                if (buf[i] == '\n') {
                    int end = i;
                    if (end > pos && buf[end - 1] == '\r') {
                        end--;
                    }
                    if (end - pos > max) {
                        throw new HttpProtocolException(tooLongStatus, what + " is longer than " + max + " bytes");
                    }
                    String line = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
                    pos = i + 1;
                    if (line.indexOf('\r') >= 0) {
                        throw new HttpProtocolException(400, "bare carriage return in " + what);
                    }
                    return line;
                }
            }
            scanned = lim - pos;
            if (scanned > max + 1) {
                throw new HttpProtocolException(tooLongStatus, what + " is longer than " + max + " bytes");
            }
            if (fill() < 0) {
                throw new HttpProtocolException(400, "connection closed in the middle of " + what);
            }
        }
    }

    /** Reads up to {@code len} body bytes; -1 at end of stream. */
    int read(byte[] dst, int off, int len) throws IOException {
        if (pos == lim && fill() < 0) {
            return -1;
        }
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, dst, off, n);
        pos += n;
        return n;
    }

    /** Discards exactly {@code n} bytes; false if the stream ended first. */
    boolean skip(long n) throws IOException {
        while (n > 0) {
            if (pos == lim && fill() < 0) {
                return false;
            }
            int k = (int) Math.min(n, lim - pos);
            pos += k;
            n -= k;
        }
        return true;
    }

    // ---- disconnect watcher -------------------------------------------------------------------------------

    /** Starts watching for the client going away (idempotent). Call only when the request is fully read. */
    synchronized void startWatching() {
        if (watcher != null || peerGone) {
            return;
        }
        stopWatch = false;
        watcher = Thread.ofVirtual().name("hearth-http-watch").start(this::watch);
    }

    private void watch() {
        int restore;
        try {
            restore = socket.getSoTimeout();
            socket.setSoTimeout(WATCH_SLICE_MILLIS);
        } catch (IOException e) {
            peerGone = true;
            return;
        }
        try {
            while (!stopWatch) {
                try {
                    int n = fill();
                    if (n < 0) {
                        peerGone = true;
                        return;
                    }
                    if (n > 0) {
                        return; // a pipelined request: the client is still there, and its bytes stay buffered
                    }
                } catch (SocketTimeoutException e) {
                    // nothing arrived in this slice; the client is still connected
                }
            }
        } catch (IOException e) {
            peerGone = true;
        } finally {
            try {
                socket.setSoTimeout(restore);
            } catch (IOException e) {
                peerGone = true;
            }
        }
    }

    /** Stops the watcher and waits for it (at most one read slice), so the connection may read again. */
    synchronized void stopWatching() {
        Thread w = watcher;
        if (w == null) {
            return;
        }
        stopWatch = true;
        boolean interrupted = false;
        while (true) {
            try {
                w.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        watcher = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the watcher saw the client close or reset the connection. */
    boolean peerGone() {
        return peerGone;
    }

    void markGone() {
        peerGone = true;
    }
}
