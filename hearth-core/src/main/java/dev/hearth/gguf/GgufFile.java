package dev.hearth.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (versions 2 and 3), memory-mapped read-only.
 *
 * <p>Layout (GGUF spec, little-endian): magic {@code "GGUF"}, u32 version, u64 tensor count, u64 metadata
 * count, the metadata key/value pairs, the tensor infos, padding to {@code general.alignment} (default 32),
 * then the tensor data. Every count, length, type id, dimension and offset read from the file is checked
 * against the bytes actually present, with overflow-checked arithmetic, before anything is allocated, so a
 * hostile file fails with a {@link GgufException} naming the problem and never with an OutOfMemoryError.
 *
 * <p>Tensor data is never copied: {@link #tensorData} returns a slice of the mapping. Closing the file
 * unmaps it; slices must not be used afterwards.
 */
public final class GgufFile implements AutoCloseable {

    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMENSIONS = 4;
    /** ggml's GGML_MAX_NAME (64 bytes including the terminating NUL). */
    public static final int MAX_TENSOR_NAME_BYTES = 63;
    /** The spec bounds keys at 2^16 - 1 bytes. */
    public static final int MAX_KEY_BYTES = 65535;
    /** llama.cpp's GGUF_MAX_STRING_LENGTH: no real metadata string comes near it (chat templates are KBs). */
    public static final int MAX_STRING_BYTES = 1 << 30;
    /** Alignments above this are certainly corrupt (real files use 32; page-size alignment would be 64 KiB). */
    public static final int MAX_ALIGNMENT = 1 << 30;
    /** Arrays of arrays are allowed by the spec; nobody nests deeper than this. */
    private static final int MAX_ARRAY_NESTING = 8;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        Reader r = new Reader(segment);
        int magic = r.u32("magic");
        if (magic != MAGIC) {
            throw new GgufException("not a GGUF file: it starts with " + describeMagic(magic)
                    + ", expected \"GGUF\"");
        }
        this.version = r.u32("version");
        if (version != 2 && version != 3) {
            throw new GgufException(describeBadVersion(version));
        }
        long tensorCount = r.count("tensor count", 8 + 4 + 8 + 4 + 8); // name len, n_dims, 1 dim, type, offset
        long kvCount = r.count("metadata count", 8 + 4 + 1); // key len, value type, smallest value

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = r.key(i);
            GgufValueType type = r.valueType("metadata key '" + key + "'");
            GgufValue value = r.value(key, type, 0);
            if (kv.putIfAbsent(key, value) != null) {
                throw new GgufException("duplicate metadata key '" + key + "'");
            }
        }
        this.metadata = Collections.unmodifiableMap(kv);
        this.alignment = readAlignment(metadata);

        List<GgufTensorInfo> infos = new ArrayList<>((int) Math.min(tensorCount, 1 << 16));
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo info = r.tensorInfo(i, alignment);
            if (byName.putIfAbsent(info.name(), info) != null) {
                throw new GgufException("duplicate tensor name '" + printable(info.name()) + "'");
            }
            infos.add(info);
        }
        this.tensors = Collections.unmodifiableList(infos);
        this.tensorsByName = Collections.unmodifiableMap(byName);

        long afterInfos = r.position;
        this.dataOffset = alignUp(afterInfos, alignment);
        long dataBytes = segment.byteSize() - Math.min(dataOffset, segment.byteSize());
        if (!infos.isEmpty() && dataOffset > segment.byteSize()) {
            throw new GgufException("file truncated: tensor data should start at offset " + dataOffset
                    + " but the file has " + segment.byteSize() + " bytes");
        }
        validateTensorPlacement(infos, dataBytes);
    }

    /** Opens and memory-maps {@code path}. */
    public static GgufFile open(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file");
        }
        if (Files.isDirectory(path)) {
            throw new GgufException(path + " is a directory, not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new GgufFile(path, arena, seg);
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (e instanceof GgufException g) {
                throw new GgufException(path.getFileName() + ": " + g.getMessage(), g);
            }
            throw e;
        }
    }

    /** Parses a GGUF image already in memory (tests, and files embedded elsewhere). Not closed by {@link #close}. */
    public static GgufFile read(MemorySegment image) {
        return new GgufFile(null, null, image);
    }

    // ---- metadata --------------------------------------------------------------------------------

    public int version() {
        return version;
    }

    /** The file this was read from, or null for {@link #read}. */
    public Path path() {
        return path;
    }

    /** All metadata in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public Optional<GgufValue> value(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** {@code general.architecture}, required by every model file. */
    public String architecture() {
        return getString(GgufKeys.GENERAL_ARCHITECTURE);
    }

    public String getString(String key) {
        return require(key, GgufValueType.STRING).value().toString();
    }

    public Optional<String> optString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /** An integer of any width; a UINT64 beyond {@code Long.MAX_VALUE} is rejected. */
    public long getLong(String key) {
        GgufValue v = require(key, null);
        if (!v.type().isInteger()) {
            throw wrongType(key, v.type(), "an integer");
        }
        long x = v.asLong();
        if (x < 0 && v.type() == GgufValueType.UINT64) {
            throw new GgufException("metadata key '" + key + "' = " + Long.toUnsignedString(x) + " is out of range");
        }
        return x;
    }

    /** An integer that must fit in an int. */
    public int getInt(String key) {
        long x = getLong(key);
        if (x != (int) x) {
            throw new GgufException("metadata key '" + key + "' = " + x + " is out of range");
        }
        return (int) x;
    }

    public int getInt(String key, int defaultValue) {
        return has(key) ? getInt(key) : defaultValue;
    }

    public long getLong(String key, long defaultValue) {
        return has(key) ? getLong(key) : defaultValue;
    }

    /** A FLOAT32 or FLOAT64 value (integers are accepted too, as some writers store 1e6 as an int). */
    public float getFloat(String key) {
        GgufValue v = require(key, null);
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            default -> {
                if (v.type().isInteger()) {
                    yield (float) v.asLong();
                }
                throw wrongType(key, v.type(), "a number");
            }
        };
    }

    public float getFloat(String key, float defaultValue) {
        return has(key) ? getFloat(key) : defaultValue;
    }

    public boolean getBool(String key) {
        return (Boolean) require(key, GgufValueType.BOOL).value();
    }

    public boolean getBool(String key, boolean defaultValue) {
        return has(key) ? getBool(key) : defaultValue;
    }

    public GgufValue.GgufArray getArray(String key) {
        return require(key, GgufValueType.ARRAY).asArray();
    }

    public String[] getStringArray(String key) {
        GgufValue.GgufArray a = getArray(key);
        if (a.elementType() != GgufValueType.STRING) {
            throw wrongType(key, "array of " + a.elementType().gguf(), "an array of strings");
        }
        return ((String[]) a.elements()).clone();
    }

    public float[] getFloatArray(String key) {
        GgufValue.GgufArray a = getArray(key);
        return switch (a.elementType()) {
            case FLOAT32 -> ((float[]) a.elements()).clone();
            case FLOAT64 -> {
                double[] d = (double[]) a.elements();
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    f[i] = (float) d[i];
                }
                yield f;
            }
            default -> throw wrongType(key, "array of " + a.elementType().gguf(), "an array of floats");
        };
    }

    /** An array of integers of any width, each of which must fit in an int. */
    public int[] getIntArray(String key) {
        GgufValue.GgufArray a = getArray(key);
        if (!a.elementType().isInteger()) {
            throw wrongType(key, "array of " + a.elementType().gguf(), "an array of integers");
        }
        int n = a.length();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            long x = a.longAt(i);
            if (x != (int) x) {
                throw new GgufException("metadata key '" + key + "' element " + i + " = " + x + " is out of range");
            }
            out[i] = (int) x;
        }
        return out;
    }

    private GgufValue require(String key, GgufValueType expected) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            throw new GgufException("missing metadata key '" + key + "'");
        }
        if (expected != null && v.type() != expected) {
            throw wrongType(key, v.type(), expected == GgufValueType.ARRAY ? "an array" : "a " + expected.gguf());
        }
        return v;
    }

    private static GgufException wrongType(String key, Object actual, String expected) {
        String found = actual instanceof GgufValueType t ? t.gguf() : actual.toString();
        return new GgufException("metadata key '" + key + "' has type " + found + ", expected " + expected);
    }

    // ---- tensors ---------------------------------------------------------------------------------

    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    public GgufTensorInfo tensor(String name) {
        GgufTensorInfo t = tensorsByName.get(name);
        if (t == null) {
            throw new GgufException("missing tensor '" + printable(name) + "'");
        }
        return t;
    }

    /**
     * The tensor's bytes, a read-only slice of the mapping (no copy), valid until {@link #close}.
     *
     * @throws IllegalArgumentException if {@code info} is not one of this file's tensors
     */
    public MemorySegment tensorData(GgufTensorInfo info) {
        if (!info.equals(tensorsByName.get(info.name()))) {
            throw new IllegalArgumentException("tensor " + info + " is not in " + describe());
        }
        return segment.asSlice(tensorFileOffset(info), info.byteSize()).asReadOnly();
    }

    /**
     * Zeroed off-heap memory freed with this file ({@link #close}): for data derived from its tensors, which
     * must not outlive the mapping they were made from either.
     */
    public MemorySegment allocate(long bytes, long alignment) {
        return (arena != null ? arena : Arena.ofAuto()).allocate(bytes, alignment);
    }

    /** Offset of the tensor's data from the start of the file. */
    public long tensorFileOffset(GgufTensorInfo info) {
        return dataOffset + info.offset();
    }

    private String describe() {
        return path == null ? "this GGUF image" : path.toString();
    }

    public int alignment() {
        return alignment;
    }

    /** Offset of the tensor data section from the start of the file. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return segment.byteSize();
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }

    // ---- validation ------------------------------------------------------------------------------

    private static int readAlignment(Map<String, GgufValue> metadata) {
        GgufValue v = metadata.get(GgufKeys.GENERAL_ALIGNMENT);
        if (v == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (v.type() != GgufValueType.UINT32) {
            throw wrongType(GgufKeys.GENERAL_ALIGNMENT, v.type(), "a uint32");
        }
        long a = v.asLong() & 0xFFFFFFFFL;
        if (a == 0 || Long.bitCount(a) != 1) {
            throw new GgufException("general.alignment = " + a + " is not a power of two");
        }
        if (a > MAX_ALIGNMENT) {
            throw new GgufException("general.alignment = " + a + " is larger than the supported maximum "
                    + MAX_ALIGNMENT);
        }
        return (int) a;
    }

    private static void validateTensorPlacement(List<GgufTensorInfo> infos, long dataBytes) {
        for (GgufTensorInfo t : infos) {
            long end;
            try {
                end = Math.addExact(t.offset(), t.byteSize());
            } catch (ArithmeticException e) {
                end = Long.MAX_VALUE;
            }
            if (end > dataBytes) {
                throw new GgufException("tensor '" + printable(t.name()) + "' (" + t.byteSize() + " bytes at data offset "
                        + Long.toUnsignedString(t.offset()) + ") lies outside the file: the data section has "
                        + dataBytes + " bytes (file truncated?)");
            }
        }
        // Sorted by offset, each tensor must start at or after the furthest end seen so far (comparing only
        // neighbours would miss a large tensor that covers several later ones). Every tensor has at least
        // one byte (dimensions are at least 1), and all ends are within the file, so nothing overflows.
        GgufTensorInfo[] sorted = infos.toArray(new GgufTensorInfo[0]);
        Arrays.sort(sorted, Comparator.comparingLong(GgufTensorInfo::offset));
        GgufTensorInfo furthest = null;
        for (GgufTensorInfo cur : sorted) {
            if (furthest != null && furthest.offset() + furthest.byteSize() > cur.offset()) {
                throw new GgufException("tensors '" + printable(furthest.name()) + "' (data offsets "
                        + furthest.offset() + " to " + (furthest.offset() + furthest.byteSize()) + ") and '"
                        + printable(cur.name())
                        + "' (data offsets " + cur.offset() + " to " + (cur.offset() + cur.byteSize())
                        + ") overlap");
            }
            if (furthest == null || cur.offset() + cur.byteSize() > furthest.offset() + furthest.byteSize()) {
                furthest = cur;
            }
        }
    }

    private static String describeMagic(int magic) {
        StringBuilder sb = new StringBuilder("bytes");
        for (int i = 0; i < 4; i++) {
            int b = (magic >>> (8 * i)) & 0xFF;
            sb.append(String.format(" %02x", b));
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            int b = (magic >>> (8 * i)) & 0xFF;
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '?');
        }
        return sb + " (\"" + text + "\")";
    }

    private static String describeBadVersion(int version) {
        if (version == 1) {
            return "GGUF version 1 is not supported (it predates 64-bit counts; re-convert the model)";
        }
        if ((version & 0xFFFF) == 0 && version != 0) {
            // A small version number read with the wrong byte order, as llama.cpp also reports it.
            return "unsupported GGUF version " + Integer.toUnsignedString(version)
                    + " (is this a big-endian GGUF file? only little-endian files are supported)";
        }
        return "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2 and 3)";
    }

    /**
     * {@code s} with control characters escaped Java-style (backslash, u, four hex digits): tensor names and string values come from
     * the file, and a name holding terminal escape sequences must not reach a terminal through a message.
     */
    public static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7F && c < 0xA0);
            if (control && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (control) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    static long alignUp(long x, long alignment) {
        long r = x % alignment;
        return r == 0 ? x : Math.addExact(x, alignment - r);
    }

    /** A bounds-checked little-endian cursor over the file image. */
    private static final class Reader {
        private final MemorySegment seg;
        private final long size;
        long position;

        Reader(MemorySegment seg) {
            this.seg = seg;
            this.size = seg.byteSize();
        }

        private void need(long bytes, String what) {
            if (bytes < 0 || bytes > size - position) {
                throw new GgufException("file truncated: " + what + " needs " + Long.toUnsignedString(bytes)
                        + " bytes at offset " + position + " but the file has " + size + " bytes");
            }
        }

        int u32(String what) {
            need(4, what);
            int v = seg.get(U32, position);
            position += 4;
            return v;
        }

        long u64(String what) {
            need(8, what);
            long v = seg.get(U64, position);
            position += 8;
            return v;
        }

        /** A u64 count of items each taking at least {@code minItemBytes}: must fit in what is left. */
        long count(String what, long minItemBytes) {
            long n = u64(what);
            long remaining = size - position;
            if (n < 0 || n > remaining / minItemBytes) {
                throw new GgufException(what + " " + Long.toUnsignedString(n)
                        + " is impossible: the " + remaining + " bytes left hold at most "
                        + (remaining / minItemBytes));
            }
            return n;
        }

        /** A string's u64 length, checked against the bytes left and {@code maxBytes} before anything is read. */
        private int stringLength(String what, long maxBytes) {
            long len = u64(what + " length");
            if (len < 0 || len > size - position) {
                throw new GgufException(what + ": string length " + Long.toUnsignedString(len)
                        + " runs past the end of the file (" + (size - position) + " bytes left at offset "
                        + position + ")");
            }
            if (len > maxBytes) {
                throw new GgufException(what + ": string length " + len + " exceeds the limit of " + maxBytes
                        + " bytes");
            }
            return (int) len;
        }

        String string(String what, long maxBytes) {
            int len = stringLength(what, maxBytes);
            String s = decodeUtf8(position, len);
            position += len;
            return s;
        }

        /**
         * Metadata key {@code index}: non-empty, at most {@link #MAX_KEY_BYTES}, printable ASCII. The spec asks
         * for lower_snake_case segments separated by dots; we only reject what no writer produces on purpose
         * (control characters, non-ASCII), which also keeps keys safe to print on a terminal.
         */
        String key(long index) {
            String what = "metadata key #" + index;
            int len = stringLength(what, MAX_KEY_BYTES);
            if (len == 0) {
                throw new GgufException(what + " is empty");
            }
            for (int i = 0; i < len; i++) {
                int b = seg.get(ValueLayout.JAVA_BYTE, position + i) & 0xFF;
                if (b < 0x20 || b > 0x7E) {
                    String prefix = decodeUtf8(position, i);
                    throw new GgufException(what + " ('" + prefix + "...') is not printable ASCII: byte 0x"
                            + String.format("%02x", b) + " at position " + i);
                }
            }
            String s = decodeUtf8(position, len);
            position += len;
            return s;
        }

        private String decodeUtf8(long at, int len) {
            if (len == 0) {
                return "";
            }
            byte[] bytes = new byte[len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, at, bytes, 0, len);
            // Invalid UTF-8 (some vocabularies hold broken pieces) becomes U+FFFD rather than an error.
            return new String(bytes, StandardCharsets.UTF_8);
        }

        GgufValueType valueType(String what) {
            int id = u32(what + " type");
            GgufValueType t = GgufValueType.byId(Integer.toUnsignedLong(id));
            if (t == null) {
                throw new GgufException(what + " has unknown value type " + Integer.toUnsignedString(id));
            }
            return t;
        }

        GgufValue value(String key, GgufValueType type, int depth) {
            String what = "value of '" + key + "'";
            return switch (type) {
                case UINT8 -> { need(1, what); long v = Byte.toUnsignedLong(seg.get(ValueLayout.JAVA_BYTE, position)); position += 1; yield new GgufValue(type, v); }
                case INT8 -> { need(1, what); long v = seg.get(ValueLayout.JAVA_BYTE, position); position += 1; yield new GgufValue(type, v); }
                case UINT16 -> { need(2, what); long v = Short.toUnsignedLong(seg.get(U16, position)); position += 2; yield new GgufValue(type, v); }
                case INT16 -> { need(2, what); long v = seg.get(U16, position); position += 2; yield new GgufValue(type, v); }
                case UINT32 -> new GgufValue(type, Integer.toUnsignedLong(u32(what)));
                case INT32 -> new GgufValue(type, (long) u32(what));
                case UINT64, INT64 -> new GgufValue(type, u64(what));
                case FLOAT32 -> { need(4, what); float v = seg.get(F32, position); position += 4; yield new GgufValue(type, v); }
                case FLOAT64 -> { need(8, what); double v = seg.get(F64, position); position += 8; yield new GgufValue(type, v); }
                case BOOL -> {
                    need(1, what);
                    byte b = seg.get(ValueLayout.JAVA_BYTE, position);
                    if (b != 0 && b != 1) {
                        throw new GgufException(what + ": bool must be 0 or 1, found " + b);
                    }
                    position += 1;
                    yield new GgufValue(type, b == 1);
                }
                case STRING -> new GgufValue(type, string(what, MAX_STRING_BYTES));
                case ARRAY -> new GgufValue(type, array(key, depth));
            };
        }

        GgufValue.GgufArray array(String key, int depth) {
            if (depth >= MAX_ARRAY_NESTING) {
                throw new GgufException("metadata key '" + key + "': arrays nested deeper than " + MAX_ARRAY_NESTING);
            }
            GgufValueType et = valueType("element of array '" + key + "'");
            long n = count("metadata key '" + key + "': array length", et.minEncodedSize());
            if (n > Integer.MAX_VALUE - 16) {
                throw new GgufException("metadata key '" + key + "': array length " + n + " is too large");
            }
            int len = (int) n;
            String what = "array '" + key + "'";
            Object elements = switch (et) {
                case UINT8, INT8 -> {
                    byte[] a = new byte[len];
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, position, a, 0, len);
                    position += len;
                    yield a;
                }
                case UINT16, INT16 -> {
                    short[] a = new short[len];
                    MemorySegment.copy(seg, U16, position, a, 0, len);
                    position += 2L * len;
                    yield a;
                }
                case UINT32, INT32 -> {
                    int[] a = new int[len];
                    MemorySegment.copy(seg, U32, position, a, 0, len);
                    position += 4L * len;
                    yield a;
                }
                case UINT64, INT64 -> {
                    long[] a = new long[len];
                    MemorySegment.copy(seg, U64, position, a, 0, len);
                    position += 8L * len;
                    yield a;
                }
                case FLOAT32 -> {
                    float[] a = new float[len];
                    MemorySegment.copy(seg, F32, position, a, 0, len);
                    position += 4L * len;
                    yield a;
                }
                case FLOAT64 -> {
                    double[] a = new double[len];
                    MemorySegment.copy(seg, F64, position, a, 0, len);
                    position += 8L * len;
                    yield a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[len];
                    for (int i = 0; i < len; i++) {
                        byte b = seg.get(ValueLayout.JAVA_BYTE, position + i);
                        if (b != 0 && b != 1) {
                            throw new GgufException(what + " element " + i + ": bool must be 0 or 1, found " + b);
                        }
                        a[i] = b == 1;
                    }
                    position += len;
                    yield a;
                }
                case STRING -> {
                    String[] a = new String[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = string(what + " element " + i, MAX_STRING_BYTES);
                    }
                    yield a;
                }
                case ARRAY -> {
                    GgufValue.GgufArray[] a = new GgufValue.GgufArray[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = array(key + "[" + i + "]", depth + 1);
                    }
                    yield a;
                }
            };
            return new GgufValue.GgufArray(et, elements);
        }

        GgufTensorInfo tensorInfo(long index, int alignment) {
            // ggml's GGML_MAX_NAME; the length is checked before anything is decoded.
            String name = string("tensor #" + index + " name", MAX_TENSOR_NAME_BYTES);
            String what = "tensor '" + printable(name) + "'";
            int nDims = u32(what + " dimension count");
            // n_dims 0 (a scalar) is accepted by llama.cpp but no model has one, and a shape needs a row length.
            if (nDims < 1 || nDims > MAX_DIMENSIONS) {
                throw new GgufException(what + " has " + Integer.toUnsignedString(nDims)
                        + " dimensions, expected 1 to " + MAX_DIMENSIONS);
            }
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long dim = u64(what + " dimension " + d);
                // ggml stores dimensions as int64; a "huge" u64 is a negative int64.
                if (dim <= 0) {
                    throw new GgufException(what + " dimension " + d + " is " + dim
                            + " (dimensions must be at least 1)");
                }
                shape[d] = dim;
                try {
                    elements = Math.multiplyExact(elements, dim);
                } catch (ArithmeticException e) {
                    throw new GgufException(what + " shape " + Arrays.toString(Arrays.copyOf(shape, d + 1))
                            + " has more than 2^63-1 elements (overflow)");
                }
            }
            int typeId = u32(what + " type");
            GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw new GgufException(what + " has unknown tensor type " + Integer.toUnsignedString(typeId)
                        + GgmlType.describeUnknownId(Integer.toUnsignedLong(typeId)));
            }
            if (shape[0] % type.blockSize() != 0) {
                throw new GgufException(what + " row length " + shape[0] + " is not a multiple of the " + type
                        + " block size " + type.blockSize());
            }
            long bytes;
            try {
                bytes = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw new GgufException(what + " of type " + type + " and shape " + Arrays.toString(shape)
                        + " takes more than 2^63-1 bytes (overflow)");
            }
            long offset = u64(what + " offset");
            if (offset < 0) {
                throw new GgufException(what + " data offset " + Long.toUnsignedString(offset)
                        + " lies outside the file (" + size + " bytes)");
            }
            if (offset % alignment != 0) {
                throw new GgufException(what + " data offset " + offset + " is not a multiple of the alignment "
                        + alignment);
            }
            return new GgufTensorInfo(name, type, shape, offset, elements, bytes);
        }
    }
}
