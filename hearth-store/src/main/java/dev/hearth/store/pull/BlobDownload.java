package dev.hearth.store.pull;

import dev.hearth.store.Progress;
import dev.hearth.store.AtomicFiles;
import dev.hearth.store.Digest;
import dev.hearth.store.DigestMismatchException;
import dev.hearth.store.Layer;
import dev.hearth.store.ModelStore;
import dev.hearth.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one blob into the store: parallel ranged parts written into {@code blobs/sha256-<hex>-partial},
 * a resume record beside it ({@link ResumeState}) so that an interrupted download (or a restarted process)
 * continues where it stopped, a watchdog that cuts and retries parts that stall, retries with backoff for
 * transient failures, and a SHA-256 check of the whole file before it is renamed to {@code sha256-<hex>} and
 * becomes visible. A server that ignores {@code Range} gets one plain sequential download instead.
 *
 * <p>Threads: the caller's thread coordinates (progress, watchdog, checkpoints); parts run on virtual
 * threads. The caller must hold the blob's {@link dev.hearth.store.StoreLock download lock}.
 */
final class BlobDownload {

    private static final int BUFFER_BYTES = 64 << 10;
    private static final long TICK_MILLIS = 100;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d{1,19})-(\\d{1,19})/(\\d{1,19}|\\*)");

    private final ModelStore store;
    private final RegistryClient client;
    private final PullOptions options;
    private final Layer layer;
    private final Digest digest;
    private final AtomicLong completed;
    private final Progress progress;

    /** Messages from part threads, handed to {@link #progress} by the coordinating thread. */
    private final Queue<String> notices = new ConcurrentLinkedQueue<>();
    private final Set<ActiveRead> active = ConcurrentHashMap.newKeySet();
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private volatile boolean rangeIgnored;

    BlobDownload(ModelStore store, RegistryClient client, PullOptions options, Layer layer, AtomicLong completed,
            Progress progress) {
        this.store = store;
        this.client = client;
        this.options = options;
        this.layer = layer;
        this.digest = layer.digest();
        this.completed = completed;
        this.progress = progress;
    }

    /** Bytes of this blob already downloaded by an earlier, interrupted pull (for the disk space check). */
    static long alreadyDownloaded(ModelStore store, Layer layer) {
        ResumeState s = ResumeState.load(store.partialStatePath(layer.digest()), layer.digest(), layer.size());
        return s == null ? 0 : s.doneBytes();
    }

    void run() throws IOException {
        Path partial = store.partialPath(digest);
        Path statePath = store.partialStatePath(digest);
        Files.createDirectories(store.blobsDir());
        ResumeState state = ResumeState.load(statePath, digest, layer.size());
        try (FileChannel data = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            if (state == null || data.size() != layer.size()) {
                state = ResumeState.plan(digest, layer.size(), options.partSize(layer.size()));
                resize(data, layer.size());
                checkpoint(data, state);
            }
            completed.set(state.doneBytes());
            int fallbacks = 0;
            while (true) {
                downloadParts(data, state);
                IOException f = failure.get();
                if (f != null) {
                    checkpoint(data, state);
                    throw f;
                }
                if (!rangeIgnored) {
                    break;
                }
                // The server answers ranged requests with the whole blob: download it in one sequential piece.
                if (++fallbacks > options.maxRetries() + 1) {
                    throw new IOException("download of " + digest.shortHex() + " keeps failing and the server does"
                            + " not support resuming (it ignores Range requests)");
                }
                notices.add("the registry ignores Range requests; downloading " + digest.shortHex() + " in one piece");
                rangeIgnored = false;
                state = ResumeState.plan(digest, layer.size(), Math.max(1, layer.size()));
                completed.set(0);
                checkpoint(data, state);
            }
            checkpoint(data, state);
            flushNotices();
            progress.layer(layer, completed.get());
            progress.status("verifying sha256 digest of " + digest.shortHex());
            Digest actual = hash(data);
            if (!actual.equals(digest)) {
                data.close();
                Files.deleteIfExists(partial);
                Files.deleteIfExists(statePath);
                throw new DigestMismatchException("blob " + digest + " failed verification: the data received hashes"
                        + " to " + actual + ". It was discarded and nothing was installed; if pulling again fails"
                        + " the same way, the registry is serving corrupt data");
            }
            data.force(true);
        }
        AtomicFiles.moveIntoPlace(partial, store.blobPath(digest));
        Files.deleteIfExists(statePath);
        AtomicFiles.syncDirectory(store.blobsDir());
    }

    /** Makes the data file exactly {@code size} bytes (sparse where the file system allows). */
    private static void resize(FileChannel data, long size) throws IOException {
        if (data.size() > size) {
            data.truncate(size);
        } else if (data.size() < size) {
            data.write(ByteBuffer.wrap(new byte[1]), size - 1);
        }
    }

    /** Flushes the data, then records the progress that the flush made durable. */
    private void checkpoint(FileChannel data, ResumeState state) throws IOException {
        long[] done = state.snapshot();
        data.force(false);
        ResumeState.save(store.partialStatePath(digest), digest, layer.size(), state.parts, done);
    }

    private void downloadParts(FileChannel data, ResumeState state) throws IOException {
        Queue<ResumeState.Part> queue = new ConcurrentLinkedQueue<>();
        for (ResumeState.Part p : state.parts) {
            if (!p.finished()) {
                queue.add(p);
            }
        }
        int workers = Math.min(queue.size(), options.maxParallelParts());
        if (workers == 0) {
            return;
        }
        CountDownLatch finished = new CountDownLatch(workers);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < workers; w++) {
                threads.execute(() -> {
                    try {
                        byte[] buffer = new byte[BUFFER_BYTES];
                        ResumeState.Part p;
                        while (failure.get() == null && !rangeIgnored && (p = queue.poll()) != null) {
                            downloadPart(data, p, buffer);
                        }
                    } catch (IOException | RuntimeException e) {
                        fail(e instanceof IOException io ? io : new IOException(e.toString(), e));
                    } finally {
                        finished.countDown();
                    }
                });
            }
            long nextCheckpoint = System.nanoTime() + options.checkpointInterval().toNanos();
            while (!finished.await(TICK_MILLIS, TimeUnit.MILLISECONDS)) {
                long now = System.nanoTime();
                for (ActiveRead a : active) {
                    if (now - a.lastProgress > options.stallTimeout().toNanos()) {
                        a.stalled = true;
                        a.close();
                    }
                }
                flushNotices();
                progress.layer(layer, completed.get());
                if (now >= nextCheckpoint) {
                    checkpoint(data, state);
                    nextCheckpoint = now + options.checkpointInterval().toNanos();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(new IOException("interrupted"));
        } finally {
            for (ActiveRead a : active) {
                a.close();
            }
        }
        flushNotices();
    }

    private void downloadPart(FileChannel data, ResumeState.Part p, byte[] buffer) throws IOException {
        int failures = 0;
        while (!p.finished()) {
            if (failure.get() != null || rangeIgnored) {
                return;
            }
            long doneBefore = p.done.get();
            long first = p.offset + doneBefore;
            long last = p.offset + p.length - 1;
            ActiveRead read = null;
            IOException error;
            try {
                HttpResponse<InputStream> r = client.openBlob(digest, first, last);
                read = new ActiveRead(r.body());
                active.add(read);
                if (r.statusCode() == 200 && first != 0) {
                    rangeIgnored = true;
                    closeAll();
                    return;
                }
                if (r.statusCode() == 206) {
                    checkContentRange(r.headers().firstValue("Content-Range").orElse(null), first, last);
                }
                copy(read, data, p, buffer);
                continue;
            } catch (RegistryException e) {
                if (!e.retryable()) {
                    fail(e);
                    return;
                }
                error = e;
            } catch (IOException e) {
                error = e;
            } finally {
                if (read != null) {
                    active.remove(read);
                    read.close();
                }
            }
            if (failure.get() != null || rangeIgnored) {
                return;
            }
            boolean stalled = read != null && read.stalled;
            if (p.done.get() > doneBefore) {
                failures = 0; // it moved: only failures in a row count
            }
            failures++;
            String what = "part " + (p.index + 1) + " of " + digest.shortHex();
            if (failures > options.maxRetries()) {
                fail(new IOException("download of " + digest.shortHex() + " failed: " + what + (stalled
                        ? " stalled" : ": " + describe(error)) + " (" + failures + " attempts in a row)"
                        + "; run the pull again to resume", error));
                return;
            }
            if (stalled) {
                notices.add(what + " stalled (nothing received for " + options.stallTimeout().toSeconds()
                        + " s); retrying");
            } else {
                java.time.Duration wait = options.backoff(failures);
                notices.add(what + ": " + describe(error) + "; retrying in " + humanDuration(wait));
                sleep(wait);
            }
        }
    }

    private void copy(ActiveRead read, FileChannel data, ResumeState.Part p, byte[] buffer) throws IOException {
        InputStream in = read.in;
        while (!p.finished()) {
            int want = (int) Math.min(buffer.length, p.length - p.done.get());
            int n = in.read(buffer, 0, want);
            if (n < 0) {
                throw new IOException("the connection closed after " + p.done.get() + " of " + p.length + " bytes");
            }
            if (failure.get() != null || rangeIgnored) {
                return;
            }
            ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
            long position = p.offset + p.done.get();
            while (bb.hasRemaining()) {
                position += data.write(bb, position);
            }
            p.done.addAndGet(n);
            completed.addAndGet(n);
            read.lastProgress = System.nanoTime();
        }
    }

    /** A 206 must describe exactly the requested start; a different range means a broken cache or server. */
    private static void checkContentRange(String header, long first, long last) throws RegistryException {
        if (header == null) {
            throw new RegistryException("the registry answered a ranged request (206) without Content-Range", 0, true);
        }
        Matcher m = CONTENT_RANGE.matcher(header.strip());
        if (!m.matches()) {
            throw new RegistryException("the registry sent an unreadable Content-Range", 0, true);
        }
        try {
            long start = Long.parseLong(m.group(1));
            long end = Long.parseLong(m.group(2));
            if (start != first || end < start || end > last) {
                throw new RegistryException("the registry sent bytes " + start + "-" + end + " when asked for "
                        + first + "-" + last, 0, true);
            }
        } catch (NumberFormatException e) {
            throw new RegistryException("the registry sent an unreadable Content-Range", 0, true);
        }
    }

    private Digest hash(FileChannel data) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new StoreException("the JDK has no SHA-256", e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        long position = 0;
        long size = data.size();
        while (position < size) {
            buf.clear();
            int n = data.read(buf, position);
            if (n < 0) {
                break;
            }
            buf.flip();
            sha.update(buf);
            position += n;
        }
        return Digest.of(sha.digest());
    }

    private void fail(IOException e) {
        if (failure.compareAndSet(null, e)) {
            closeAll();
        }
    }

    private void closeAll() {
        for (ActiveRead a : active) {
            a.close();
        }
    }

    private void flushNotices() {
        String s;
        while ((s = notices.poll()) != null) {
            progress.warning(s);
        }
    }

    private static void sleep(java.time.Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String describe(IOException e) {
        if (e instanceof RegistryException) {
            return e.getMessage();
        }
        String m = e.getMessage();
        String type = e.getClass().getSimpleName();
        return m == null || m.isBlank() ? type : m;
    }

    static String humanDuration(java.time.Duration d) {
        long ms = d.toMillis();
        return ms < 1000 ? ms + " ms" : (ms / 1000) + " s";
    }

    /** A response body being read by a part, with the time of its last progress for the stall watchdog. */
    private static final class ActiveRead {
        final InputStream in;
        volatile long lastProgress = System.nanoTime();
        volatile boolean stalled;

        ActiveRead(InputStream in) {
            this.in = in;
        }

        void close() {
            try {
                in.close();
            } catch (IOException e) {
                // closing a broken connection: nothing more to do
            }
        }
    }
}
