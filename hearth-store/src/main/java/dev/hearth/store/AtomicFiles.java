package dev.hearth.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Crash-safe file replacement: write a temporary file beside the target, flush it to disk, rename it over the
 * target in one step, then flush the directory. After a crash the target holds either its old content or the
 * new, never a mix; a leftover temporary file is ignored by every reader.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Replaces {@code target} with {@code data}. */
    public static void write(Path target, byte[] data) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = temporarySibling(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Renames a finished, flushed file over {@code target} atomically and flushes the directory. */
    public static void moveIntoPlace(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new StoreException("cannot rename " + source + " to " + target
                    + " atomically (are they on different file systems?)", e);
        }
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * A fresh name beside {@code target}, starting with '.' so that it is never a valid model or blob name
     * (readers of the store skip it, and Ollama's cleanup removes it).
     */
    public static Path temporarySibling(Path target) {
        long r = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        return target.resolveSibling("." + target.getFileName() + ".tmp-" + Long.toString(r, 36));
    }

    /** Flushes a directory's entries (renames, deletions) where the platform allows opening directories. */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open directories; NTFS journals renames itself.
        }
    }
}
