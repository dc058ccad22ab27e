package dev.hearth.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Blobs that an unfinished pull or create in this process is about to reference from a manifest. Garbage
 * collection skips them, so that deleting one model while another is being installed does not delete a blob
 * the new model shares. (Between processes, {@link ModelStore#commitManifest} still refuses a manifest whose
 * blobs vanished; callers then fetch them again.)
 */
public final class BlobPins implements AutoCloseable {

    private static final ConcurrentHashMap<Path, Integer> PINNED = new ConcurrentHashMap<>();

    private final List<Path> mine = new ArrayList<>();

    BlobPins() {}

    /** Pins a blob (by its path) until {@link #close}. */
    public synchronized void add(ModelStore store, Digest digest) {
        Path p = store.blobPath(digest);
        PINNED.merge(p, 1, Integer::sum);
        mine.add(p);
    }

    static boolean isPinned(Path blob) {
        return PINNED.containsKey(blob);
    }

    @Override
    public synchronized void close() {
        for (Path p : mine) {
            PINNED.computeIfPresent(p, (k, n) -> n == 1 ? null : n - 1);
        }
        mine.clear();
    }
}
