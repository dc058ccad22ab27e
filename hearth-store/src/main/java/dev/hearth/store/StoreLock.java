package dev.hearth.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Locks that keep several Hearth processes (and threads) from stepping on each other in one store.
 *
 * <p>All locks are byte-range locks on one file, {@code <store>/.hearth-lock}: byte 0 guards manifest writes
 * and blob garbage collection; a range derived from a blob's digest guards that blob's download. One file
 * and one channel per store and process, because on POSIX systems closing any descriptor of a file drops
 * every lock the process holds on it. Inside the process a {@link ReentrantLock} serializes threads, since
 * file locks are per process. The operating system releases everything when a process dies, so a crash never
 * leaves a stale lock.
 */
final class StoreLock {

    static final String LOCK_FILE = ".hearth-lock";

    @FunctionalInterface
    interface IoAction<T> {
        T run() throws IOException;
    }

    private static final class Entry {
        final FileChannel channel;
        final ReentrantLock storeLock = new ReentrantLock();
        int users;

        Entry(FileChannel channel) {
            this.channel = channel;
        }
    }

    private static final Map<Path, Entry> ENTRIES = new HashMap<>();

    private StoreLock() {}

    /** Runs {@code action} holding the store-wide lock (manifest writes, deletions, garbage collection). */
    static <T> T withStoreLock(Path root, IoAction<T> action) throws IOException {
        Entry e = acquire(root);
        try {
            e.storeLock.lock();
            try (FileLock ignored = e.channel.lock(0, 1, false)) {
                return action.run();
            } finally {
                e.storeLock.unlock();
            }
        } finally {
            release(root, e);
        }
    }

    /** A held lock on one blob's download; close to release. */
    static final class BlobLock implements ModelStore.DownloadLock {
        private final Path root;
        private final Entry entry;
        private final FileLock lock;

        private BlobLock(Path root, Entry entry, FileLock lock) {
            this.root = root;
            this.entry = entry;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                release(root, entry);
            }
        }
    }

    /**
     * Takes the download lock of {@code digest}, waiting while another process holds it. Callers make sure
     * that one thread per process asks for a given digest at a time.
     *
     * @param onWait called once if the lock is busy (to tell the user why nothing moves)
     */
    static BlobLock lockBlob(Path root, Digest digest, Runnable onWait) throws IOException {
        Entry e = acquire(root);
        try {
            long position = 1 + (Long.parseLong(digest.hex().substring(0, 15), 16) & 0x0FFF_FFFF_FFFF_FFFFL);
            boolean told = false;
            while (true) {
                FileLock lock = e.channel.tryLock(position, 1, false);
                if (lock != null) {
                    return new BlobLock(root, e, lock);
                }
                if (!told) {
                    onWait.run();
                    told = true;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new StoreException("interrupted while waiting for another download of " + digest);
                }
            }
        } catch (IOException | RuntimeException ex) {
            release(root, e);
            throw ex;
        }
    }

    private static Entry acquire(Path root) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        synchronized (ENTRIES) {
            Entry e = ENTRIES.get(key);
            if (e == null) {
                e = new Entry(open(key));
                ENTRIES.put(key, e);
            }
            e.users++;
            return e;
        }
    }

    private static void release(Path root, Entry e) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        synchronized (ENTRIES) {
            if (--e.users == 0) {
                ENTRIES.remove(key);
                e.channel.close();
            }
        }
    }

    private static FileChannel open(Path root) throws IOException {
        try {
            Files.createDirectories(root);
            return FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new StoreException("the model store " + root + " is read-only (cannot create "
                    + root.resolve(LOCK_FILE) + ")", e);
        } catch (FileSystemException e) {
            throw new StoreException("cannot open the model store's lock file " + root.resolve(LOCK_FILE) + ": "
                    + (e.getReason() == null ? e.getMessage() : e.getReason()), e);
        }
    }
}
