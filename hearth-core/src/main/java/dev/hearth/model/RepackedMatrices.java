package dev.hearth.model;

import dev.hearth.gguf.GgmlType;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufTensorInfo;
import dev.hearth.tensor.InterleavedMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;

/**
 * Where the matrices that {@link InterleavedMatrix} repacks at load come from: repacked from the file's rows
 * now, or mapped from a cache file that an earlier load of the same file wrote.
 *
 * <p><b>Why a cache.</b> Repacking is most of a 4-bit model's load: Llama-3.2-1B Q4_0 (728 MiB, all of it
 * repacked) loads in 0.9-1.9 s, of which the repack takes 1.2-2.1 s of CPU on a fresh JVM (the repack loops
 * still interpreted or in C1 code) and allocating its 730 MiB of fresh memory 0.6-0.8 s (page faults and
 * zeroing); a file with nothing to repack (F16) only maps and loads in 0.15-0.25 s. Mapping a cache file and checking its
 * CRC-32C costs about 60 ms for the same bytes (2026-11-24, 2 cores), and its pages are the page cache's, like
 * the GGUF file's, so resident memory still holds the weights once.
 *
 * <p><b>Files.</b> One per source file, in the cache directory ({@code HEARTH_REPACK_CACHE}), named from the
 * source's real path and a fingerprint of the layouts (every type's repack of a fixed sample group, so that
 * a changed layout never reads an old file). Little-endian: the magic {@code HEARTHRP}, format version,
 * layout fingerprint, the source's size and modification time in nanoseconds, header length, entry count;
 * the source's path and file key; per repacked tensor its name, GGML type id, rows, columns, data offset
 * (page-aligned), data length and the CRC-32C of the data; the header's own CRC-32C last. The data follows,
 * each tensor's groups in order.
 *
 * <p><b>Trust.</b> A cache file is input like any other: every count, length and offset is checked with exact
 * arithmetic before use, the header's CRC and every tensor's CRC are verified when the file is opened, and
 * the source must still have the recorded path, file key, size and modification time. A file that fails any
 * check is ignored (and replaced after this load): never an error of the load, never a wrong weight.
 *
 * <p><b>Writing.</b> After a load that repacked anything, a virtual thread (the work is I/O) writes a new file
 * from the repacked memory to a temporary name in the directory and renames it into place, so nothing
 * half-written is ever visible under the final name; {@link #close} waits for it, since it reads memory that
 * closing frees. It is not fsynced: a file torn by a crash fails its CRCs and is rewritten. Before writing,
 * cache files whose source is gone or changed or whose layout is another version's, and temporary files older
 * than an hour, are removed. {@link #prepare} writes the file when a model is installed instead (streamed, one
 * matrix of memory), so that even the first load maps.
 */
public final class RepackedMatrices implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RepackedMatrices.class.getName());
    private static final byte[] MAGIC = "HEARTHRP".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT_VERSION = 1;
    /** Bytes of the fixed start of a header, up to the entry count. */
    private static final int FIXED = 40;
    private static final int MAX_HEADER = 16 << 20;
    private static final int MAX_ENTRIES = 1 << 16;
    private static final int MAX_STRING = 1 << 16;
    private static final long PAGE = 4096;
    private static final String SUFFIX = ".repack";
    private static final Duration STALE_TEMPORARY = Duration.ofHours(1);
    private static final AtomicInteger TEMPORARIES = new AtomicInteger();

    private final GgufFile file;
    /** The cache file of this source, or null when nothing is cached. */
    private final Path cacheFile;
    private final String identity;
    private final long sourceModified;
    /** Maps the cache file read here; null if none was usable. */
    private Arena arena;
    /** The cache file's mapping (in {@link #arena}), once verified. */
    private MemorySegment mapped;
    private final Map<String, Entry> cached;
    private final Map<String, InterleavedMatrix> matrices = new LinkedHashMap<>();
    /** The file's bytes of every matrix given out: no product reads them. */
    private final List<MemorySegment> sources = new ArrayList<>();
    private int reused;
    private int repacked;
    private Thread writer;
    private volatile boolean written;
    /** {@link #prepare}'s mode: each repacked matrix is appended to {@link #streamFile} and mapped from it. */
    private boolean streaming;
    private FileChannel stream;
    private Path streamFile;
    private long streamOffset;
    private final List<Entry> streamed = new ArrayList<>();
    /** {@link #prepare}'s callback before the first repack; null once called. */
    private Runnable starting;

    /** One repacked tensor of a cache file: where its groups lie and their checksum. */
    private record Entry(String name, GgmlType type, long rows, long cols, long offset, long length, int crc) {}

    private RepackedMatrices(GgufFile file, Path cacheFile, String identity, long sourceModified) {
        this.file = file;
        this.cacheFile = cacheFile;
        this.identity = identity;
        this.sourceModified = sourceModified;
        this.cached = new HashMap<>();
    }

    /** Repacks every matrix at load; nothing is read from or written to disk. */
    public static RepackedMatrices inMemory(GgufFile file) {
        return new RepackedMatrices(file, null, null, 0);
    }

    /**
     * Matrices from the cache in {@code directory} where a valid file for {@code file} is there, repacked (and
     * written there after the load) otherwise. A null directory, a file without a path or a machine that does
     * not repack means {@link #inMemory}. Problems with the cache are logged, never thrown.
     */
    public static RepackedMatrices cached(GgufFile file, Path directory) {
        if (directory == null || file.path() == null || !InterleavedMatrix.repacksHere()) {
            return inMemory(file);
        }
        try {
            Path source = file.path().toRealPath();
            BasicFileAttributes attrs = Files.readAttributes(source, BasicFileAttributes.class);
            if (attrs.size() != file.fileSize()) {
                return inMemory(file); // replaced since it was mapped
            }
            Object key = attrs.fileKey();
            String identity = source + "\n" + (key == null ? "" : key);
            Path cacheFile = directory.resolve(cacheName(source));
            RepackedMatrices r = new RepackedMatrices(file, cacheFile, identity, nanos(attrs.lastModifiedTime()));
            r.open();
            return r;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "repack cache not used: {0}", e.toString());
            return inMemory(file);
        }
    }

    /**
     * Makes sure the GGUF file at {@code gguf} has a valid cache file in {@code directory}, repacking it now if
     * it has none: for the moment a model is installed (pulled, created), so that even its first load only maps.
     * Where a load writes its cache from the repacked memory, this streams: each matrix is repacked, appended to
     * the temporary file and mapped back from it, so it needs one matrix's memory, not the model's (a 4-bit 8 B
     * model repacks 4.5 GiB). A cache that cannot be written is logged, as after a load.
     *
     * @param starting called once before the first matrix is repacked (not at all if none is): for a
     *     progress line, since a large model takes seconds
     * @return the matrices repacked and written now: 0 if the cache was complete already or nothing repacks
     *     here (another type, no 512-bit vectors, no directory)
     * @throws IOException if the file cannot be read, or {@link dev.hearth.gguf.GgufException} if it is not a
     *     model this engine loads
     */
    public static int prepare(Path gguf, Path directory, Runnable starting) throws IOException {
        try (GgufFile file = GgufFile.open(gguf); RepackedMatrices r = cached(file, directory)) {
            // With no valid cache file, stream; with one (maybe missing a matrix), repack what is missing in
            // memory and write as after a load.
            r.streaming = r.cacheFile != null && r.cached.isEmpty();
            r.starting = starting;
            Architectures.load(file, r);
            try {
                return r.awaitWritten() ? r.repacked : 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
    }

    /** The cache file's name: SHA-256 of the source's real path and the layout fingerprint, 32 hex digits. */
    static String cacheName(Path realSource) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(realSource.toString().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(Integer.toString(Layouts.FINGERPRINT).getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha.digest(), 0, 16) + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e); // every JDK has SHA-256
        }
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }

    /** Reads and verifies this source's cache file, if there is one; leaves {@link #cached} empty otherwise. */
    private void open() {
        List<Entry> entries;
        long size;
        try (FileChannel ch = FileChannel.open(cacheFile, StandardOpenOption.READ)) {
            size = ch.size();
            entries = readHeader(ch, size);
            if (entries == null) {
                return;
            }
            arena = Arena.ofShared();
            MemorySegment mapped = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            int[] sums = new int[entries.size()];
            // In parallel (the common pool and the caller, as the repack): ~60 ms for 730 MiB in the page cache.
            IntStream.range(0, entries.size()).parallel().forEach(i -> {
                Entry e = entries.get(i);
                sums[i] = crc(mapped.asSlice(e.offset, e.length));
            });
            for (int i = 0; i < sums.length; i++) {
                if (sums[i] != entries.get(i).crc) {
                    LOG.log(System.Logger.Level.WARNING, "repack cache {0}: tensor {1} fails its checksum; repacking",
                            cacheFile, entries.get(i).name);
                    unmap();
                    return;
                }
            }
            for (Entry e : entries) {
                cached.put(e.name, e);
            }
            this.mapped = mapped;
        } catch (NoSuchFileException e) {
            // First load of this file.
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "repack cache {0} not used: {1}", cacheFile, e.toString());
            unmap();
        }
    }

    /** Forgets the cache file: nothing more is served from it, and its mapping is released. */
    private synchronized void unmap() {
        cached.clear();
        mapped = null;
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }

    /**
     * The entries of a cache file's header if it is a valid one for this source, else null (with the reason
     * logged at debug level). Every field is checked before it is used.
     */
    private List<Entry> readHeader(FileChannel ch, long size) throws IOException {
        if (size < FIXED + 4) {
            return invalid("too short");
        }
        ByteBuffer fixed = readFully(ch, 0, FIXED);
        if (!thisFormatAndLayout(fixed)) {
            return invalid("another format or layout");
        }
        long sourceSize = fixed.getLong();
        long modified = fixed.getLong();
        int headerBytes = fixed.getInt();
        int count = fixed.getInt();
        if (headerBytes < FIXED + 4 || headerBytes > MAX_HEADER || headerBytes > size || count < 0
                || count > MAX_ENTRIES) {
            return invalid("bad header length or entry count");
        }
        ByteBuffer h = readFully(ch, 0, headerBytes);
        if (crc(h.array(), 0, headerBytes - 4) != h.getInt(headerBytes - 4)) {
            return invalid("header checksum");
        }
        h.position(FIXED).limit(headerBytes - 4);
        String recorded = string(h);
        if (recorded == null || !recorded.equals(identity) || sourceSize != file.fileSize() || modified != sourceModified) {
            return invalid("made from another file, or the file changed");
        }
        List<Entry> entries = new ArrayList<>(count);
        java.util.Set<String> names = new java.util.HashSet<>();
        long end = align(headerBytes);
        for (int i = 0; i < count; i++) {
            String name = string(h);
            if (name == null || h.remaining() < 4 + 8 * 4 + 4) {
                return invalid("truncated entry");
            }
            GgmlType type = GgmlType.byId(h.getInt());
            long rows = h.getLong();
            long cols = h.getLong();
            long offset = h.getLong();
            long length = h.getLong();
            int sum = h.getInt();
            if (type == null || !names.add(name) || !InterleavedMatrix.applies(type, rows, cols)) {
                return invalid("entry " + i + ": bad name, type or shape");
            }
            long expected = Math.multiplyExact(rows / InterleavedMatrix.GROUP_ROWS,
                    InterleavedMatrix.groupBytes(type, (int) cols));
            if (length != expected || offset < end || offset % PAGE != 0 || offset > size || length > size - offset) {
                return invalid("entry " + i + ": bad offset or length");
            }
            end = Math.addExact(offset, length);
            entries.add(new Entry(name, type, rows, cols, offset, length, sum));
        }
        if (h.hasRemaining()) {
            return invalid("trailing header bytes");
        }
        return entries;
    }

    /** Reads the magic, format version and layout fingerprint at {@code fixed}'s position: whether they are ours. */
    private static boolean thisFormatAndLayout(ByteBuffer fixed) {
        byte[] magic = new byte[MAGIC.length];
        fixed.get(magic);
        return java.util.Arrays.equals(magic, MAGIC) && fixed.getInt() == FORMAT_VERSION
                && fixed.getInt() == Layouts.FINGERPRINT;
    }

    private List<Entry> invalid(String why) {
        LOG.log(System.Logger.Level.DEBUG, "repack cache {0} ignored: {1}", cacheFile, why);
        return null;
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("unexpected end of " + n + "-byte header");
            }
        }
        return b.flip();
    }

    /** A length-prefixed UTF-8 string, or null if it does not fit the buffer or the limit. */
    private static String string(ByteBuffer h) {
        if (h.remaining() < 4) {
            return null;
        }
        int n = h.getInt();
        if (n < 0 || n > MAX_STRING || n > h.remaining()) {
            return null;
        }
        byte[] b = new byte[n];
        h.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static long align(long offset) {
        return Math.multiplyExact(Math.ceilDiv(offset, PAGE), PAGE);
    }

    private static int crc(byte[] b, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(b, offset, length);
        return (int) c.getValue();
    }

    private static int crc(MemorySegment s) {
        CRC32C c = new CRC32C();
        for (long at = 0; at < s.byteSize(); at += 1 << 30) {
            c.update(s.asSlice(at, Math.min(1L << 30, s.byteSize() - at)).asByteBuffer());
        }
        return (int) c.getValue();
    }

    // ---- serving the load ---------------------------------------------------------------------------------

    /**
     * Tensor {@code info} ({@code rows x cols}, for which {@link InterleavedMatrix#applies}) in the repacked
     * layout: from the cache file where it holds this tensor with this type and shape, repacked now otherwise.
     */
    synchronized InterleavedMatrix matrix(GgufTensorInfo info, int rows, int cols) {
        Entry e = cached.get(info.name());
        InterleavedMatrix m;
        if (e != null && e.type == info.type() && e.rows == rows && e.cols == cols) {
            int groups = rows / InterleavedMatrix.GROUP_ROWS;
            m = new InterleavedMatrix(e.type, new MemorySegment[] {mapped.asSlice(e.offset, e.length)}, groups,
                    groups, cols);
            reused++;
        } else {
            if (starting != null) {
                Runnable r = starting;
                starting = null;
                r.run();
            }
            m = streaming ? appendStreamed(info, rows, cols) : repack(file, info, rows, cols, file::allocate);
            repacked++;
        }
        matrices.put(info.name(), m);
        sources.add(file.tensorData(info));
        return m;
    }

    /** {@link #prepare}: repacks the tensor into scratch memory, appends it to the stream and maps it back. */
    private InterleavedMatrix appendStreamed(GgufTensorInfo info, int rows, int cols) {
        try {
            if (stream == null) {
                int reserved = headerBytes(file.tensors().stream().map(GgufTensorInfo::name).toList());
                if (reserved > MAX_HEADER || file.tensors().size() > MAX_ENTRIES) {
                    throw new IOException("too many tensors for a cache file");
                }
                Files.createDirectories(cacheFile.getParent());
                removeStale(cacheFile.getParent());
                streamFile = temporaryFile();
                stream = FileChannel.open(streamFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                // The header goes first once it is known; no header lists more than every tensor of the file.
                streamOffset = align(reserved);
                arena = Arena.ofShared();
            }
            Entry e;
            try (Arena scratch = Arena.ofShared()) {
                e = append(stream, streamOffset, info.name(), repack(file, info, rows, cols, scratch));
            }
            streamed.add(e);
            streamOffset = align(Math.addExact(e.offset, e.length));
            int groups = rows / InterleavedMatrix.GROUP_ROWS;
            MemorySegment region = stream.map(FileChannel.MapMode.READ_ONLY, e.offset, e.length, arena);
            return new InterleavedMatrix(e.type, new MemorySegment[] {region}, groups, groups, cols);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("repack cache " + cacheFile + ": " + e.getMessage(), e);
        }
    }

    /** {@link #prepare}, once every matrix is appended: writes the header and renames the file into place. */
    private void finishStream() {
        try {
            writeFully(stream, ByteBuffer.wrap(header(streamed)), 0);
            stream.close();
            Files.move(streamFile, cacheFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            written = true;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not write repack cache {0}: {1}", cacheFile, e.toString());
        } finally {
            closeStream();
        }
    }

    /** Closes the stream, if open, and removes its temporary file unless it was renamed into place. */
    private void closeStream() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException ignored) {
                // Closing a file only read and written through this channel; the file is deleted next.
            }
            deleteTemporary(streamFile);
            stream = null;
        }
    }

    /** Matrices of this load read from the cache file. */
    public synchronized int reused() {
        return reused;
    }

    /** Matrices of this load repacked from the source. */
    public synchronized int repacked() {
        return repacked;
    }

    /**
     * Called once the model has loaded: if anything was repacked and there is a cache directory, starts writing
     * the cache file for the next load.
     */
    synchronized void loaded() {
        // Reading the small tensors between the big ones (norms) maps whole runs of the file around them (the
        // kernel maps page-cache folios or fault-around windows, not single pages): 37 MiB of Llama-3.2-1B Q4_0
        // stayed resident that nothing reads. Drop what the repacked matrices' own bytes hold of it.
        for (MemorySegment source : sources) {
            if (source.isMapped()) {
                source.unload();
            }
        }
        sources.clear();
        if (stream != null) {
            finishStream();
        } else if (cacheFile != null && repacked > 0 && writer == null) {
            List<Map.Entry<String, InterleavedMatrix>> all = List.copyOf(matrices.entrySet());
            writer = Thread.ofVirtual().name("hearth-repack-cache").start(() -> write(all));
        }
    }

    /** Waits until the cache file written after this load (if any) is in place; whether it was written. */
    public boolean awaitWritten() throws InterruptedException {
        Thread w;
        synchronized (this) {
            w = writer;
        }
        if (w != null) {
            w.join();
        }
        return written;
    }

    private void write(List<Map.Entry<String, InterleavedMatrix>> all) {
        Path tmp = temporaryFile();
        try {
            Files.createDirectories(tmp.getParent());
            removeStale(tmp.getParent());
            int headerBytes = headerBytes(all.stream().map(Map.Entry::getKey).toList());
            if (headerBytes > MAX_HEADER || all.size() > MAX_ENTRIES) {
                return;
            }
            long offset = align(headerBytes);
            List<Entry> entries = new ArrayList<>(all.size());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (Map.Entry<String, InterleavedMatrix> e : all) {
                    Entry written = append(ch, offset, e.getKey(), e.getValue());
                    entries.add(written);
                    offset = align(Math.addExact(written.offset, written.length));
                }
                writeFully(ch, ByteBuffer.wrap(header(entries)), 0);
            }
            Files.move(tmp, cacheFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            written = true;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not write repack cache {0}: {1}", cacheFile, e.toString());
        } finally {
            deleteTemporary(tmp);
        }
    }

    /** A new temporary name beside the cache file, unique in this process and among processes. */
    private Path temporaryFile() {
        return cacheFile.resolveSibling(cacheFile.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + TEMPORARIES.incrementAndGet() + ".tmp");
    }

    private static void deleteTemporary(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // Best effort: a leftover temporary is removed by a later write once it is an hour old.
        }
    }

    /** Bytes of a header that lists tensors of these names. */
    private int headerBytes(List<String> names) {
        int bytes = FIXED + 4 + identity.getBytes(StandardCharsets.UTF_8).length + 4;
        for (String name : names) {
            bytes = Math.addExact(bytes, 4 + name.getBytes(StandardCharsets.UTF_8).length + 4 + 8 * 4 + 4);
        }
        return bytes;
    }

    /** The header of a cache file holding {@code entries}, its CRC-32C last (the layout of the class comment). */
    private byte[] header(List<Entry> entries) {
        int headerBytes = headerBytes(entries.stream().map(Entry::name).toList());
        byte[] id = identity.getBytes(StandardCharsets.UTF_8);
        ByteBuffer h = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
        h.put(MAGIC).putInt(FORMAT_VERSION).putInt(Layouts.FINGERPRINT).putLong(file.fileSize())
                .putLong(sourceModified).putInt(headerBytes).putInt(entries.size());
        h.putInt(id.length).put(id);
        for (Entry e : entries) {
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            h.putInt(name.length).put(name).putInt(e.type.id()).putLong(e.rows).putLong(e.cols).putLong(e.offset)
                    .putLong(e.length).putInt(e.crc);
        }
        h.putInt(crc(h.array(), 0, headerBytes - 4));
        return h.array();
    }

    /** Writes matrix {@code m}'s groups to {@code ch} at {@code offset}: its entry, with their CRC-32C. */
    private static Entry append(FileChannel ch, long offset, String name, InterleavedMatrix m) throws IOException {
        byte[] buffer = new byte[1 << 20];
        CRC32C c = new CRC32C();
        long length = 0;
        for (MemorySegment region : m.regions()) {
            for (long at = 0; at < region.byteSize(); at += buffer.length) {
                int n = (int) Math.min(buffer.length, region.byteSize() - at);
                MemorySegment.copy(region, ValueLayout.JAVA_BYTE, at, buffer, 0, n);
                c.update(buffer, 0, n);
                writeFully(ch, ByteBuffer.wrap(buffer, 0, n), offset + length);
                length += n;
            }
        }
        return new Entry(name, m.type(), m.rows(), m.cols(), offset, length, (int) c.getValue());
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long at = position;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    /**
     * Deletes cache files of this directory whose source no longer exists or changed or whose layout is not this
     * version's, and temporary files older than an hour (left by a process that stopped while writing). Only names this class writes are touched.
     */
    private void removeStale(Path dir) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                try {
                    if (name.matches("[0-9a-f]{32}\\.repack\\.[0-9]+-[0-9]+\\.tmp")) {
                        if (Files.getLastModifiedTime(p).toInstant().isBefore(java.time.Instant.now().minus(STALE_TEMPORARY))) {
                            Files.deleteIfExists(p);
                        }
                    } else if (name.matches("[0-9a-f]{32}\\.repack") && !p.equals(cacheFile) && !stillUseful(p)) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException | RuntimeException e) {
                    // Another process may be doing the same; leave it.
                }
            }
        } catch (IOException e) {
            // Nothing to clean.
        }
    }

    /**
     * Whether cache file {@code p} is of this format and layout and its recorded source still exists with the
     * recorded size and time: a file of an older layout would otherwise stay forever, since its name differs.
     */
    private static boolean stillUseful(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            if (ch.size() < FIXED + 4) {
                return false;
            }
            ByteBuffer fixed = readFully(ch, 0, FIXED + 4);
            if (!thisFormatAndLayout(fixed)) {
                return false;
            }
            long size = fixed.getLong();
            long modified = fixed.getLong();
            fixed.position(FIXED);
            int n = fixed.getInt();
            if (n < 0 || n > MAX_STRING || FIXED + 4L + n > ch.size()) {
                return false;
            }
            String identity = StandardCharsets.UTF_8.decode(readFully(ch, FIXED + 4, n)).toString();
            int end = identity.indexOf('\n');
            if (end <= 0) {
                return false;
            }
            Path source = Path.of(identity.substring(0, end));
            BasicFileAttributes attrs = Files.readAttributes(source, BasicFileAttributes.class);
            return attrs.size() == size && nanos(attrs.lastModifiedTime()) == modified;
        } catch (NoSuchFileException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** Waits for the cache writer, then unmaps the cache file. Call before closing the source file. */
    @Override
    public void close() {
        boolean interrupted = false;
        while (true) {
            try {
                awaitWritten();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        closeStream();
        unmap();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- repacking ----------------------------------------------------------------------------------------

    /**
     * The tensor's rows in {@link InterleavedMatrix}'s layout, in slabs of about 1 MiB from {@code memory}. Read
     * from the mapping, repacked, allocated and filled on the threads of the common fork-join pool (on one thread, allocating and
     * filling 522 MiB took 1 s of a 1 B model's load), then the mapped pages are unloaded
     * ({@code madvise(MADV_DONTNEED)}): they leave this process's resident memory, and the page cache keeps them
     * for the next start.
     */
    static InterleavedMatrix repack(GgufFile file, GgufTensorInfo info, int rows, int cols, SegmentAllocator memory) {
        MemorySegment src = file.tensorData(info);
        int groupBytes = Math.toIntExact(InterleavedMatrix.groupBytes(info.type(), cols));
        int groups = rows / InterleavedMatrix.GROUP_ROWS;
        int perSlab = Math.max(1, Math.min(groups, (1 << 20) / groupBytes));
        MemorySegment[] slabs = new MemorySegment[(groups + perSlab - 1) / perSlab];
        // One task per thread of the common pool (and the caller), each with buffers of one group, taking every
        // tasks-th slab: a heap buffer per slab made most of the load's garbage and a few MiB of resident memory.
        int tasks = Math.min(slabs.length, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1);
        IntStream.range(0, tasks).parallel().forEach(task -> {
            InterleavedMatrix.Repacker repacker = new InterleavedMatrix.Repacker();
            byte[] out = new byte[groupBytes];
            for (int t = task; t < slabs.length; t += tasks) {
                int first = t * perSlab;
                int n = Math.min(perSlab, groups - first);
                MemorySegment slab = memory.allocate((long) n * groupBytes, 64);
                for (int i = 0; i < n; i++) {
                    repacker.repackGroup(info.type(), src, (long) (first + i) * groupBytes, cols, out, 0);
                    MemorySegment.copy(out, 0, slab, ValueLayout.JAVA_BYTE, (long) i * groupBytes, groupBytes);
                }
                slabs[t] = slab;
            }
        });
        if (src.isMapped()) {
            src.unload();
        }
        return new InterleavedMatrix(info.type(), slabs, perSlab, groups, cols);
    }

    /**
     * A fingerprint of the repacked layouts: the CRC-32C of every repacked type's layout of one fixed sample
     * group (32 rows of 256 columns of pseudo-random bytes). Any change to a layout changes it, so a cache file
     * written by another version of the layouts is never read as this one.
     */
    static final class Layouts {
        static final int FINGERPRINT = fingerprint();

        private static int fingerprint() {
            CRC32C c = new CRC32C();
            java.util.Random random = new java.util.Random(0x4865617274L);
            for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                int cols = 256;
                byte[] rows = new byte[Math.toIntExact(InterleavedMatrix.groupBytes(type, cols))];
                random.nextBytes(rows);
                byte[] out = new byte[rows.length];
                InterleavedMatrix.repackGroup(type, MemorySegment.ofArray(rows), 0, cols, out, 0);
                c.update(type.id());
                c.update(out);
            }
            return (int) c.getValue();
        }
    }
}
