package dev.hearth.store.pull;

import dev.hearth.store.Progress;
import dev.hearth.store.BlobPins;
import dev.hearth.store.HumanBytes;
import dev.hearth.store.Layer;
import dev.hearth.store.Manifest;
import dev.hearth.store.MediaTypes;
import dev.hearth.store.MissingBlobException;
import dev.hearth.store.ModelName;
import dev.hearth.store.ModelNotFoundException;
import dev.hearth.store.ModelStore;
import dev.hearth.store.NotEnoughDiskSpaceException;
import dev.hearth.store.StoreException;
import dev.hearth.store.StoredModel;
import dev.hearth.store.WeightsPreparation;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pulls a model from an Ollama-compatible registry into the store:
 *
 * <ol>
 *   <li>parse the name (invalid names fail before any I/O);
 *   <li>fetch and validate the manifest (bounded size, strict digests), retrying transient failures;
 *   <li>warn if the weights alone exceed this machine's memory; refuse if the disk cannot hold what is
 *       still missing;
 *   <li>fetch every missing blob ({@link BlobDownload}: parallel ranged parts, resume, verification);
 *   <li>install the manifest atomically, and remove blobs only the previous version of this model used.
 * </ol>
 * A failure at any step leaves the store as it was, plus resumable partial downloads.
 */
public final class Puller {

    private final ModelStore store;
    private final PullOptions options;
    private final HttpClient http;
    private final long machineMemory;
    private final WeightsPreparation preparation;

    /**
     * @param machineMemory bytes of memory on this machine, for the fit warning (0: no warning)
     */
    public Puller(ModelStore store, PullOptions options, HttpClient http, long machineMemory) {
        this(store, options, http, machineMemory, WeightsPreparation.NONE);
    }

    /**
     * @param machineMemory bytes of memory on this machine, for the fit warning (0: no warning)
     * @param preparation run on the pulled weights once the manifest is written, before "success"
     */
    public Puller(ModelStore store, PullOptions options, HttpClient http, long machineMemory,
            WeightsPreparation preparation) {
        this.store = store;
        this.options = options;
        this.http = http;
        this.machineMemory = machineMemory;
        this.preparation = preparation;
    }

    public StoredModel pull(String nameText, Progress progress) throws IOException {
        if (ModelName.requestsPlainHttp(nameText) && !options.insecure()) {
            throw new StoreException("'" + nameText + "' asks for plain HTTP; pass --insecure to allow that");
        }
        ModelName name = ModelName.parse(nameText);
        RegistryClient client = new RegistryClient(http, name, options);

        progress.status("pulling manifest");
        byte[] manifestBytes = withRetries("fetching the manifest of " + name.displayShortest(), progress,
                client::fetchManifest);
        Manifest manifest;
        try {
            manifest = Manifest.parse(manifestBytes);
        } catch (StoreException e) {
            throw new StoreException("the registry sent an invalid manifest for " + name.displayShortest() + ": "
                    + e.getMessage(), e);
        }
        if (manifest.modelLayer().isEmpty()) {
            throw new StoreException(name.displayShortest() + " has no GGUF weights layer (" + MediaTypes.MODEL
                    + "); Hearth cannot run it");
        }
        warnIfTooLarge(name, manifest, progress);
        checkDiskSpace(manifest);

        try (BlobPins pins = store.newPins()) {
            for (int round = 0; ; round++) {
                for (Layer layer : manifest.blobs()) {
                    pins.add(store, layer.digest());
                    BlobFetcher.fetch(store, client, options, layer, progress);
                }
                progress.status("writing manifest");
                try {
                    StoredModel stored = store.commitManifest(name, manifestBytes);
                    preparation.prepare(store.blobPath(manifest.modelLayer().orElseThrow().digest()), progress);
                    progress.status("success");
                    return stored;
                } catch (MissingBlobException e) {
                    // Another process deleted a shared blob between our download and the commit: fetch again.
                    if (round >= 2) {
                        throw e;
                    }
                    progress.warning("a blob was removed by another process while pulling; fetching it again");
                }
            }
        }
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws IOException;
    }

    /** Runs a request, retrying transient failures (I/O errors, 5xx, 429) with backoff. */
    private <T> T withRetries(String what, Progress progress, Attempt<T> attempt) throws IOException {
        int failures = 0;
        while (true) {
            try {
                return attempt.run();
            } catch (ModelNotFoundException | RegistryUnreachableException e) {
                throw e;
            } catch (RegistryException e) {
                if (!e.retryable() || ++failures > options.maxRetries()) {
                    throw e;
                }
                progress.warning(what + ": " + e.getMessage() + "; retrying");
            } catch (IOException e) {
                if (++failures > options.maxRetries()) {
                    throw new IOException(what + " failed: " + BlobDownload.describe(e), e);
                }
                progress.warning(what + ": " + BlobDownload.describe(e) + "; retrying");
            }
            try {
                Thread.sleep(options.backoff(failures));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private void warnIfTooLarge(ModelName name, Manifest manifest, Progress progress) {
        long weights = 0;
        for (Layer l : manifest.layers()) {
            if (l.mediaType().equals(MediaTypes.MODEL) || l.mediaType().equals(MediaTypes.PROJECTOR)) {
                weights += l.size();
            }
        }
        if (machineMemory > 0 && weights > machineMemory) {
            progress.warning(name.displayShortest() + " needs at least " + HumanBytes.format(weights)
                    + " of memory for its weights alone, and this machine has " + HumanBytes.format(machineMemory)
                    + ": it will not fit");
        }
    }

    /** Refuses to start when the store's disk cannot hold the blobs still missing (plus the reserve). */
    private void checkDiskSpace(Manifest manifest) throws IOException {
        long needed = 0;
        for (Layer l : manifest.blobs()) {
            if (!store.hasBlob(l.digest(), l.size())) {
                needed = Math.addExact(needed, l.size() - Math.min(l.size(), BlobDownload.alreadyDownloaded(store, l)));
            }
        }
        if (needed == 0) {
            return;
        }
        Path existing = store.blobsDir();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        FileStore fs = Files.getFileStore(existing);
        long usable = fs.getUsableSpace();
        if (needed > usable - Math.min(usable, options.diskReserve())) {
            throw new NotEnoughDiskSpaceException("not enough disk space: the pull needs " + HumanBytes.format(needed) + " more"
                    + (options.diskReserve() > 0 ? " (plus " + HumanBytes.format(options.diskReserve()) + " kept free)" : "")
                    + " but " + store.root() + " has " + HumanBytes.format(usable) + " free");
        }
    }
}
