package dev.hearth.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content-addressed model store, in Ollama's layout so that either program can use the other's:
 *
 * <pre>
 * &lt;root&gt;/blobs/sha256-&lt;hex&gt;                              every layer and config, named by its SHA-256
 * &lt;root&gt;/manifests/&lt;host&gt;/&lt;namespace&gt;/&lt;model&gt;/&lt;tag&gt;   one manifest (JSON) per installed model
 * </pre>
 *
 * <p>Invariants, kept across crashes: a blob file exists only with its full, verified content (downloads and
 * imports happen in temporary files renamed into place); a manifest is written (atomically) only after every
 * blob it names is in place, and removed before any of its blobs; so a listed model never has a missing or
 * partial blob. Reading never writes anything, so a read-only or foreign (Ollama) store can be listed and used.
 * Writes take {@link StoreLock} so that concurrent processes do not lose each other's blobs.
 */
public final class ModelStore {

    private static final Pattern DIGEST_IN_TEXT = Pattern.compile("sha256:([0-9a-f]{64})");

    private final Path root;

    public ModelStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path blobsDir() {
        return root.resolve("blobs");
    }

    public Path manifestsDir() {
        return root.resolve("manifests");
    }

    public Path blobPath(Digest digest) {
        return blobsDir().resolve(digest.fileName());
    }

    /** Where a download of {@code digest} keeps its data until it is verified. */
    public Path partialPath(Digest digest) {
        return blobsDir().resolve(digest.fileName() + "-partial");
    }

    /**
     * The resume record of a download. Deliberately not {@code -partial-N}: Ollama reads files of that shape
     * as its own part records.
     */
    public Path partialStatePath(Digest digest) {
        return blobsDir().resolve(digest.fileName() + "-partial.hearth");
    }

    public Path manifestPath(ModelName name) throws StoreException {
        try {
            Path p = manifestsDir();
            for (String part : name.pathParts()) {
                p = p.resolve(part);
            }
            return p;
        } catch (InvalidPathException e) {
            throw new StoreException("the name " + name + " cannot be stored on this file system: " + e.getReason());
        }
    }

    /** True if the blob is present with the expected size (blobs only appear complete and verified). */
    public boolean hasBlob(Digest digest, long size) {
        try {
            BasicFileAttributes a = Files.readAttributes(blobPath(digest), BasicFileAttributes.class);
            return a.isRegularFile() && a.size() == size;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- reading -----------------------------------------------------------------------------------------

    /** The installed model of that name, if any. Exact case first, then a case-insensitive match. */
    public Optional<StoredModel> find(ModelName name) throws IOException {
        Path p = manifestPath(name);
        if (Files.isRegularFile(p)) {
            return Optional.of(read(name, p));
        }
        for (StoredModel m : list(w -> {})) {
            if (m.name().equalsIgnoreCase(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The installed model of that name, or a {@link ModelNotFoundException} saying how to get it. */
    public StoredModel get(ModelName name) throws IOException {
        return find(name).orElseThrow(() -> new ModelNotFoundException("model '" + name.displayShortest()
                + "' not found; pull it with 'hearth pull " + name.displayShortest() + "'"));
    }

    /**
     * Every installed model, newest first. Entries that are not valid names (temporary files, Ollama's
     * non-model kinds) are skipped silently; unreadable manifests are reported to {@code warnings} and
     * skipped.
     */
    public List<StoredModel> list(Consumer<String> warnings) throws IOException {
        List<StoredModel> out = new ArrayList<>();
        Path manifests = manifestsDir();
        if (!Files.isDirectory(manifests)) {
            return out;
        }
        for (Path host : children(manifests)) {
            for (Path ns : children(host)) {
                for (Path model : children(ns)) {
                    for (Path tag : children(model)) {
                        ModelName name;
                        try {
                            name = new ModelName(host.getFileName().toString(), ns.getFileName().toString(),
                                    model.getFileName().toString(), tag.getFileName().toString());
                        } catch (IllegalArgumentException e) {
                            continue;
                        }
                        if (!Files.isRegularFile(tag)) {
                            continue;
                        }
                        try {
                            out.add(read(name, tag));
                        } catch (IOException e) {
                            warnings.accept("skipping " + name.displayShortest() + ": " + e.getMessage());
                        }
                    }
                }
            }
        }
        out.sort(Comparator.comparing(StoredModel::modified).reversed()
                .thenComparing(m -> m.name().toString()));
        return out;
    }

    private static List<Path> children(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (AccessDeniedException e) {
            return out;
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private StoredModel read(ModelName name, Path file) throws IOException {
        byte[] bytes = readBounded(file, Manifest.MAX_BYTES, "manifest of " + name.displayShortest());
        Manifest m;
        try {
            m = Manifest.parse(bytes);
        } catch (StoreException e) {
            throw new StoreException("the manifest of " + name.displayShortest() + " is damaged: " + e.getMessage(), e);
        }
        return new StoredModel(name, m, Digest.of(sha256().digest(bytes)),
                Files.getLastModifiedTime(file).toInstant(), file);
    }

    /** The content of a small blob (template, params...), refusing blobs larger than {@code maxBytes}. */
    public byte[] readBlob(Layer layer, int maxBytes) throws IOException {
        if (layer.size() > maxBytes) {
            throw new StoreException("blob " + layer.digest() + " (" + layer.mediaType() + ") is " + layer.size()
                    + " bytes, more than the " + maxBytes + " expected for it");
        }
        Path p = blobPath(layer.digest());
        try {
            return readBounded(p, maxBytes, "blob " + layer.digest());
        } catch (NoSuchFileException e) {
            throw missingBlob(layer);
        }
    }

    /** The path of a layer's blob after checking that it is there, whole. */
    public Path requireBlob(Layer layer) throws StoreException {
        if (!hasBlob(layer.digest(), layer.size())) {
            throw missingBlob(layer);
        }
        return blobPath(layer.digest());
    }

    private StoreException missingBlob(Layer layer) {
        return new StoreException("blob " + layer.digest() + " (" + layer.mediaType() + ") is missing or has the"
                + " wrong size in " + blobsDir() + "; pull or create the model again");
    }

    private static byte[] readBounded(Path file, int maxBytes, String what) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > maxBytes) {
                throw new StoreException(what + " is " + size + " bytes, more than the limit of " + maxBytes);
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // keep reading
            }
            if (buf.hasRemaining()) {
                throw new StoreException(what + " changed while being read");
            }
            return buf.array();
        }
    }

    // ---- writing -----------------------------------------------------------------------------------------

    /** A held download lock of one blob; closing releases it. */
    public interface DownloadLock extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /**
     * Takes the lock that lets one process at a time download (and install) a blob, waiting while another
     * process holds it. Within a process, callers must make sure only one thread asks for a digest at a time.
     *
     * @param onWait called once if another process holds the lock
     */
    public DownloadLock lockDownload(Digest digest, Runnable onWait) throws IOException {
        return StoreLock.lockBlob(root, digest, onWait);
    }

    /**
     * Copies a stream into the store as a blob, hashing it on the way, and returns its layer. The data lands
     * in a temporary file renamed into place, so a crash leaves no partial blob.
     *
     * @param progress told the running byte count (may be called often)
     */
    public Layer importBlob(InputStream in, String mediaType, LongConsumer progress, BlobPins pins) throws IOException {
        Files.createDirectories(blobsDir());
        Path tmp = AtomicFiles.temporarySibling(blobsDir().resolve("import"));
        MessageDigest sha = sha256();
        long total = 0;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[1 << 20];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) {
                        ch.write(bb);
                    }
                    total += n;
                    progress.accept(total);
                }
                ch.force(true);
            }
            return install(tmp, Digest.of(sha.digest()), total, mediaType, pins);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A temporary file in the blobs directory for content written in place (a quantized model), to be
     * handed to {@link #adoptBlob}. Its name starts with '.', so nothing ever lists it as a blob.
     */
    public Path newTemporaryBlobFile() throws IOException {
        Files.createDirectories(blobsDir());
        return AtomicFiles.temporarySibling(blobsDir().resolve("write"));
    }

    /**
     * Makes a finished file from {@link #newTemporaryBlobFile} a blob: hashes it, flushes it and renames it into
     * place (no copy). The file is gone afterwards either way.
     */
    public Layer adoptBlob(Path tmp, String mediaType, BlobPins pins) throws IOException {
        try {
            MessageDigest sha = sha256();
            long total = 0;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                while (ch.read(buf) > 0) {
                    buf.flip();
                    total += buf.remaining();
                    sha.update(buf);
                    buf.clear();
                }
                ch.force(true);
            }
            return install(tmp, Digest.of(sha.digest()), total, mediaType, pins);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Renames a flushed, hashed temporary file to its blob name, pinned first so no cleanup removes it before
     * its manifest is committed; when the store has that blob already, the temporary file is simply dropped.
     */
    private Layer install(Path tmp, Digest digest, long size, String mediaType, BlobPins pins) throws IOException {
        pins.add(this, digest);
        if (!hasBlob(digest, size)) {
            AtomicFiles.moveIntoPlace(tmp, blobPath(digest));
        }
        return new Layer(mediaType, digest, size);
    }

    /** Stores small content (template, params JSON...) as a blob, pinned until {@code pins} closes. */
    public Layer putBlob(byte[] data, String mediaType, BlobPins pins) throws IOException {
        return importBlob(new java.io.ByteArrayInputStream(data), mediaType, n -> {}, pins);
    }

    /**
     * Pins for the blobs of one install (pull, create): hold them from before the blobs are fetched until
     * the manifest is committed.
     */
    public BlobPins newPins() {
        return new BlobPins();
    }

    /**
     * Installs a manifest under {@code name}: checks that every blob it names is present, replaces the
     * manifest atomically, then deletes the blobs of the manifest it replaced that nothing uses any more.
     *
     * @param json the manifest's exact bytes (kept as received, so the model ID matches the registry's digest)
     */
    public StoredModel commitManifest(ModelName name, byte[] json) throws IOException {
        Manifest manifest = Manifest.parse(json);
        Path path = manifestPath(name);
        return StoreLock.withStoreLock(root, () -> {
            List<Digest> missing = new ArrayList<>();
            for (Layer l : manifest.blobs()) {
                if (!hasBlob(l.digest(), l.size())) {
                    missing.add(l.digest());
                }
            }
            if (!missing.isEmpty()) {
                throw new MissingBlobException("cannot install " + name.displayShortest() + ": blob"
                        + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing.stream().map(Digest::toString)
                        .toList()) + " missing from the store", missing);
            }
            Set<Digest> candidates = new HashSet<>();
            if (Files.isRegularFile(path)) {
                try {
                    for (Layer l : Manifest.parse(readBounded(path, Manifest.MAX_BYTES, "old manifest")).blobs()) {
                        candidates.add(l.digest());
                    }
                } catch (StoreException e) {
                    // A damaged old manifest: its blobs are left for a later cleanup rather than guessed at.
                }
            }
            AtomicFiles.write(path, json);
            for (Layer l : manifest.blobs()) {
                candidates.remove(l.digest());
            }
            removeUnusedBlobs(candidates);
            return read(name, path);
        });
    }

    /**
     * Deletes a model's manifest, then the blobs no other manifest uses.
     *
     * @return the model that was removed
     */
    public StoredModel delete(ModelName name) throws IOException {
        StoredModel model = get(name);
        return StoreLock.withStoreLock(root, () -> {
            if (!Files.isRegularFile(model.manifestPath())) {
                throw new ModelNotFoundException("model '" + name.displayShortest() + "' not found");
            }
            Files.delete(model.manifestPath());
            AtomicFiles.syncDirectory(model.manifestPath().getParent());
            pruneEmptyDirectories(model.manifestPath().getParent());
            Set<Digest> candidates = new HashSet<>();
            for (Layer l : model.manifest().blobs()) {
                candidates.add(l.digest());
            }
            removeUnusedBlobs(candidates);
            return model;
        });
    }

    /** Installs the manifest of {@code source} under {@code destination} too (blobs are shared). */
    public StoredModel copy(ModelName source, ModelName destination) throws IOException {
        StoredModel src = get(source);
        byte[] bytes = readBounded(src.manifestPath(), Manifest.MAX_BYTES, "manifest of " + source.displayShortest());
        return commitManifest(destination, bytes);
    }

    /**
     * Removes those of {@code candidates} that no manifest mentions. Must run under the store lock.
     *
     * <p>Usage is decided by searching every file under {@code manifests/} for the digest text rather than by
     * parsing: a manifest this version cannot parse (a newer format, another program's kind of model, a
     * manifest being written) still protects its blobs.
     */
    private void removeUnusedBlobs(Set<Digest> candidates) throws IOException {
        if (candidates.isEmpty()) {
            return;
        }
        Set<Digest> used = digestsMentionedUnder(manifestsDir());
        for (Digest d : candidates) {
            if (!used.contains(d) && !BlobPins.isPinned(blobPath(d))) {
                Files.deleteIfExists(blobPath(d));
            }
        }
        AtomicFiles.syncDirectory(blobsDir());
    }

    private static Set<Digest> digestsMentionedUnder(Path dir) throws IOException {
        Set<Digest> used = new LinkedHashSet<>();
        if (!Files.isDirectory(dir)) {
            return used;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile() && attrs.size() <= Manifest.MAX_BYTES) {
                    String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                    Matcher m = DIGEST_IN_TEXT.matcher(text);
                    while (m.find()) {
                        used.add(new Digest(m.group(1)));
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return used;
    }

    private void pruneEmptyDirectories(Path dir) {
        Path manifests = manifestsDir();
        Path d = dir;
        while (d != null && d.startsWith(manifests) && !d.equals(manifests)) {
            try {
                Files.delete(d);
            } catch (IOException e) {
                return; // not empty (or not ours to delete): stop here
            }
            d = d.getParent();
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
