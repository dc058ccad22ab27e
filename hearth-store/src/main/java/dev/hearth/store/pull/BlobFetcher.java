package dev.hearth.store.pull;

import dev.hearth.store.Progress;
import dev.hearth.store.Layer;
import dev.hearth.store.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gets a blob into the store once, however many pulls ask for it at the same time: within this process the
 * first asker downloads and the others watch its progress; across processes the store's download lock makes
 * the second process wait and then find the blob installed.
 */
final class BlobFetcher {

    private record InFlight(CompletableFuture<Void> done, AtomicLong completed) {}

    private static final ConcurrentHashMap<Path, InFlight> IN_FLIGHT = new ConcurrentHashMap<>();

    private BlobFetcher() {}

    /**
     * Makes sure the blob of {@code layer} is in the store, downloading it if needed.
     *
     * @return true if it was already there (nothing downloaded by this call)
     */
    static boolean fetch(ModelStore store, RegistryClient client, PullOptions options, Layer layer,
            Progress progress) throws IOException {
        Path key = store.blobPath(layer.digest());
        for (int round = 0; ; round++) {
            if (store.hasBlob(layer.digest(), layer.size())) {
                progress.layer(layer, layer.size());
                return true;
            }
            InFlight mine = new InFlight(new CompletableFuture<>(), new AtomicLong());
            InFlight other = IN_FLIGHT.putIfAbsent(key, mine);
            if (other == null) {
                try {
                    download(store, client, options, layer, mine.completed(), progress);
                    mine.done().complete(null);
                    return false;
                } catch (IOException | RuntimeException | Error e) {
                    mine.done().completeExceptionally(e);
                    throw e;
                } finally {
                    IN_FLIGHT.remove(key, mine);
                }
            }
            try {
                while (true) {
                    try {
                        other.done().get(100, TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException e) {
                        progress.layer(layer, other.completed().get());
                    }
                }
            } catch (ExecutionException e) {
                // The other pull failed; try once ourselves (it may have been cancelled), then give up.
                if (round > 0) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(cause.toString(), cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private static void download(ModelStore store, RegistryClient client, PullOptions options, Layer layer,
            AtomicLong completed, Progress progress) throws IOException {
        try (ModelStore.DownloadLock lock = store.lockDownload(layer.digest(), () -> progress.warning(
                "waiting for another Hearth process that is downloading " + layer.digest().shortHex()))) {
            if (store.hasBlob(layer.digest(), layer.size())) {
                completed.set(layer.size());
                progress.layer(layer, layer.size());
                return;
            }
            new BlobDownload(store, client, options, layer, completed, progress).run();
            progress.layer(layer, layer.size());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
