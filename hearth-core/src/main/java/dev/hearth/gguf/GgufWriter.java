package dev.hearth.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GGUF files (version 3 by default, little-endian): metadata of every type including nested arrays,
 * tensor infos, and tensor data, each tensor padded to {@code general.alignment} (default 32) the way
 * llama.cpp's writer does, so that the data section is a whole number of aligned blocks.
 *
 * <p>Everything is validated when added (keys, value types and ranges, tensor names, shapes, data sizes), so
 * a file this class writes is one {@link GgufFile} reads back. {@link #write(Path)} writes a temporary file
 * beside the target and renames it into place, so a reader never sees a half-written model.
 *
 * <p>Metadata keys keep the order in which they were first put; tensors keep the order in which they were
 * added and are laid out contiguously in that order.
 */
public final class GgufWriter {

    /** Supplies a tensor's bytes when the file is written; must write exactly the tensor's byte size. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, long byteSize, TensorData data) {}

    private static final int COPY_CHUNK = 1 << 20;

    private int version = 3;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    /** GGUF version to write: 3 (default) or 2; the two are identical for little-endian files. */
    public GgufWriter version(int version) {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("GGUF version must be 2 or 3, got " + version);
        }
        this.version = version;
        return this;
    }

    /** Sets {@code general.alignment} (a power of two); tensor data offsets are multiples of it. */
    public GgufWriter alignment(int alignment) {
        return put(GgufKeys.GENERAL_ALIGNMENT, GgufValue.ofUInt32(alignment));
    }

    /** The metadata put so far, in order. */
    public Map<String, GgufValue> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    // ---- metadata --------------------------------------------------------------------------------

    /**
     * Puts a metadata value (replacing an earlier value of the same key, in its original position). Values
     * from {@link GgufFile#metadata()} can be copied as they are.
     */
    public GgufWriter put(String key, GgufValue value) {
        checkKey(key);
        checkValue(key, value.type(), value.value(), 0);
        if (key.equals(GgufKeys.GENERAL_ALIGNMENT)) {
            checkAlignment(value);
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.ofString(value));
    }

    public GgufWriter putUInt8(String key, int value) {
        return put(key, new GgufValue(GgufValueType.UINT8, (long) value));
    }

    public GgufWriter putInt8(String key, int value) {
        return put(key, new GgufValue(GgufValueType.INT8, (long) value));
    }

    public GgufWriter putUInt16(String key, int value) {
        return put(key, new GgufValue(GgufValueType.UINT16, (long) value));
    }

    public GgufWriter putInt16(String key, int value) {
        return put(key, new GgufValue(GgufValueType.INT16, (long) value));
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValue.ofUInt32(value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValue.ofInt32(value));
    }

    /** A UINT64; values above 2^63-1 are passed as their (negative) bit pattern. */
    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValue.ofUInt64(value));
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, new GgufValue(GgufValueType.INT64, value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.ofFloat32(value));
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, new GgufValue(GgufValueType.FLOAT64, value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.ofBool(value));
    }

    public GgufWriter putArray(String key, GgufValue.GgufArray array) {
        return put(key, GgufValue.ofArray(array));
    }

    public GgufWriter putStringArray(String key, String... values) {
        return putArray(key, GgufValue.GgufArray.ofStrings(values));
    }

    public GgufWriter putFloatArray(String key, float... values) {
        return putArray(key, GgufValue.GgufArray.ofFloats(values));
    }

    public GgufWriter putIntArray(String key, int... values) {
        return putArray(key, GgufValue.GgufArray.ofInts(values));
    }

    // ---- tensors ---------------------------------------------------------------------------------

    /**
     * Adds a tensor whose bytes are {@code data} (raw GGML layout, little-endian; the segment is read when
     * the file is written, so a mapped segment of another file is not copied into memory).
     *
     * @param shape GGML order: {@code shape[0]} is the row length
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        long bytes = checkTensor(name, type, shape);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " and shape "
                    + java.util.Arrays.toString(shape) + " needs " + bytes + " bytes, got " + data.byteSize());
        }
        return add(name, type, shape, bytes, out -> copy(data, out));
    }

    /** Adds a tensor whose bytes are a copy of {@code data} (raw GGML layout, little-endian). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] data) {
        return addTensor(name, type, shape, MemorySegment.ofArray(data.clone()));
    }

    /** Adds an F32 tensor (written little-endian whatever the platform). */
    public GgufWriter addTensor(String name, long[] shape, float[] values) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, 4)]);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, values[i]);
        }
        return addTensor(name, GgmlType.F32, shape, bytes);
    }

    /**
     * Adds a tensor whose bytes are produced when the file is written (for example quantized on the fly);
     * {@code data} must write exactly the byte size of {@code type} and {@code shape}.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorData data) {
        long bytes = checkTensor(name, type, shape);
        return add(name, type, shape, bytes, data);
    }

    private GgufWriter add(String name, GgmlType type, long[] shape, long bytes, TensorData data) {
        tensors.add(new PendingTensor(name, type, shape.clone(), bytes, data));
        tensorNames.add(name);
        return this;
    }

    // ---- output ----------------------------------------------------------------------------------

    /**
     * Writes the file atomically: into a temporary file in the target's directory, flushed to disk, then
     * renamed over {@code path}. On failure the temporary file is deleted and {@code path} is untouched.
     */
    public void write(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path dir = absolute.getParent();
        // Not Files.createTempFile: its files are private (0600), and the model must get the usual
        // permissions (from the umask), like any file the user creates.
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + Long.toHexString(new SecureRandom().nextLong()) + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The whole file in memory (tests, small files). */
    public byte[] toByteArray() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writeTo(Channels.newChannel(bytes));
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /** Writes the file to {@code out}, sequentially. */
    public void writeTo(WritableByteChannel out) throws IOException {
        int alignment = currentAlignment();
        Encoder header = new Encoder();
        header.u32(GgufFile.MAGIC);
        header.u32(version);
        header.u64(tensors.size());
        header.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            header.string(e.getKey());
            header.u32(e.getValue().type().id());
            header.value(e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            header.string(t.name);
            header.u32(t.shape.length);
            for (long d : t.shape) {
                header.u64(d);
            }
            header.u32(t.type.id());
            header.u64(offset);
            offset = Math.addExact(offset, padding(t.byteSize, alignment) + t.byteSize);
        }
        // The data section starts aligned; like llama.cpp's writer, a file without tensors ends unpadded.
        if (!tensors.isEmpty()) {
            header.zeros(padding(header.size(), alignment));
        }
        writeFully(out, header.toBuffer());

        for (PendingTensor t : tensors) {
            CountingChannel counted = new CountingChannel(out);
            t.data.writeTo(counted);
            if (counted.count != t.byteSize) {
                throw new IOException("tensor '" + t.name + "' wrote " + counted.count + " bytes, expected "
                        + t.byteSize);
            }
            writeFully(out, ByteBuffer.allocate((int) padding(t.byteSize, alignment)));
        }
    }

    // ---- validation ------------------------------------------------------------------------------

    private int currentAlignment() {
        GgufValue a = metadata.get(GgufKeys.GENERAL_ALIGNMENT);
        return a == null ? GgufFile.DEFAULT_ALIGNMENT : (int) a.asLong();
    }

    private static void checkAlignment(GgufValue value) {
        if (value.type() != GgufValueType.UINT32) {
            throw new IllegalArgumentException(GgufKeys.GENERAL_ALIGNMENT + " must be a uint32, got "
                    + value.type().gguf());
        }
        long a = value.asLong();
        if (a <= 0 || Long.bitCount(a) != 1 || a > GgufFile.MAX_ALIGNMENT) {
            throw new IllegalArgumentException(GgufKeys.GENERAL_ALIGNMENT + " must be a power of two up to "
                    + GgufFile.MAX_ALIGNMENT + ", got " + a);
        }
    }

    private static void checkKey(String key) {
        int len = utf8Length(key);
        if (len == 0 || len > GgufFile.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("metadata key must have 1 to " + GgufFile.MAX_KEY_BYTES
                    + " bytes, got " + len);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new IllegalArgumentException("metadata key '" + key + "' is not printable ASCII");
            }
        }
    }

    private static void checkValue(String key, GgufValueType type, Object value, int depth) {
        String what = "metadata key '" + key + "'";
        switch (type) {
            case UINT8 -> checkRange(what, type, value, 0, 0xFF);
            case INT8 -> checkRange(what, type, value, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case UINT16 -> checkRange(what, type, value, 0, 0xFFFF);
            case INT16 -> checkRange(what, type, value, Short.MIN_VALUE, Short.MAX_VALUE);
            case UINT32 -> checkRange(what, type, value, 0, 0xFFFF_FFFFL);
            case INT32 -> checkRange(what, type, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case UINT64, INT64 -> checkRange(what, type, value, Long.MIN_VALUE, Long.MAX_VALUE);
            case FLOAT32 -> checkClass(what, type, value, Float.class);
            case FLOAT64 -> checkClass(what, type, value, Double.class);
            case BOOL -> checkClass(what, type, value, Boolean.class);
            case STRING -> {
                checkClass(what, type, value, String.class);
                if (utf8Length((String) value) > GgufFile.MAX_STRING_BYTES) {
                    throw new IllegalArgumentException(what + ": string longer than " + GgufFile.MAX_STRING_BYTES
                            + " bytes");
                }
            }
            case ARRAY -> {
                checkClass(what, type, value, GgufValue.GgufArray.class);
                checkArray(key, (GgufValue.GgufArray) value, depth);
            }
        }
    }

    private static void checkArray(String key, GgufValue.GgufArray array, int depth) {
        if (depth >= 8) {
            throw new IllegalArgumentException("metadata key '" + key + "': arrays nested deeper than 8");
        }
        Class<?> expected = switch (array.elementType()) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufValue.GgufArray[].class;
        };
        if (array.elements() == null || array.elements().getClass() != expected) {
            throw new IllegalArgumentException("metadata key '" + key + "': an array of "
                    + array.elementType().gguf() + " must hold a " + expected.getSimpleName()
                    + ", got " + (array.elements() == null ? "null" : array.elements().getClass().getSimpleName()));
        }
        if (array.elements() instanceof String[] strings) {
            for (String s : strings) {
                checkValue(key, GgufValueType.STRING, s, depth);
            }
        } else if (array.elements() instanceof GgufValue.GgufArray[] nested) {
            for (int i = 0; i < nested.length; i++) {
                if (nested[i] == null) {
                    throw new IllegalArgumentException("metadata key '" + key + "': element " + i + " is null");
                }
                checkArray(key + "[" + i + "]", nested[i], depth + 1);
            }
        }
    }

    private static void checkRange(String what, GgufValueType type, Object value, long min, long max) {
        checkClass(what, type, value, Long.class);
        long v = (Long) value;
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + ": " + v + " does not fit in a " + type.gguf());
        }
    }

    private static void checkClass(String what, GgufValueType type, Object value, Class<?> expected) {
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(what + ": a " + type.gguf() + " value must be a "
                    + expected.getSimpleName() + ", got " + (value == null ? "null" : value.getClass().getSimpleName()));
        }
    }

    private long checkTensor(String name, GgmlType type, long[] shape) {
        int nameBytes = utf8Length(name);
        if (nameBytes > GgufFile.MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than "
                    + GgufFile.MAX_TENSOR_NAME_BYTES + " bytes");
        }
        if (tensorNames.contains(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMENSIONS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + shape.length
                    + " dimensions, expected 1 to " + GgufFile.MAX_DIMENSIONS);
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a dimension of " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' row length " + shape[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        return type.byteSize(elements);
    }

    // ---- encoding --------------------------------------------------------------------------------

    private static long padding(long position, int alignment) {
        long r = position % alignment;
        return r == 0 ? 0 : alignment - r;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /** Copies a segment of any kind (mapped, native, or heap of any primitive array) through a staging buffer. */
    private static void copy(MemorySegment data, WritableByteChannel out) throws IOException {
        ByteBuffer staging = ByteBuffer.allocateDirect((int) Math.min(COPY_CHUNK, Math.max(1, data.byteSize())));
        MemorySegment stagingSegment = MemorySegment.ofBuffer(staging);
        for (long at = 0; at < data.byteSize(); ) {
            int n = (int) Math.min(staging.capacity(), data.byteSize() - at);
            MemorySegment.copy(data, at, stagingSegment, 0, n);
            staging.clear().limit(n);
            writeFully(out, staging);
            at += n;
        }
    }

    /** Counts what a tensor's {@link TensorData} writes, so a wrong size fails instead of corrupting the file. */
    private static final class CountingChannel implements WritableByteChannel {
        private final WritableByteChannel out;
        long count;

        CountingChannel(WritableByteChannel out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = out.write(src);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() {
            // The file's channel stays open for the next tensor.
        }
    }

    /** Little-endian encoder for the header, metadata and tensor infos (small: kept in memory). */
    private static final class Encoder {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 12).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(long more) {
            if (buf.remaining() >= more) {
                return;
            }
            long needed = Math.addExact(buf.position(), more);
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("GGUF metadata larger than 2 GiB");
            }
            int capacity = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(needed, 2L * buf.capacity()));
            ByteBuffer bigger = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }

        int size() {
            return buf.position();
        }

        ByteBuffer toBuffer() {
            return buf.duplicate().flip();
        }

        void u8(int v) {
            ensure(1);
            buf.put((byte) v);
        }

        void u16(int v) {
            ensure(2);
            buf.putShort((short) v);
        }

        void u32(int v) {
            ensure(4);
            buf.putInt(v);
        }

        void u64(long v) {
            ensure(8);
            buf.putLong(v);
        }

        void zeros(long n) {
            ensure(n);
            for (long i = 0; i < n; i++) {
                buf.put((byte) 0);
            }
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            ensure(bytes.length);
            buf.put(bytes);
        }

        void value(GgufValueType type, Object value) {
            switch (type) {
                case UINT8, INT8 -> u8((int) (long) (Long) value);
                case UINT16, INT16 -> u16((int) (long) (Long) value);
                case UINT32, INT32 -> u32((int) (long) (Long) value);
                case UINT64, INT64 -> u64((Long) value);
                case FLOAT32 -> u32(Float.floatToRawIntBits((Float) value));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) value));
                case BOOL -> u8((Boolean) value ? 1 : 0);
                case STRING -> string((String) value);
                case ARRAY -> array((GgufValue.GgufArray) value);
            }
        }

        void array(GgufValue.GgufArray a) {
            u32(a.elementType().id());
            u64(a.length());
            switch (a.elements()) {
                case byte[] v -> { ensure(v.length); buf.put(v); }
                case short[] v -> { for (short x : v) u16(x); }
                case int[] v -> { for (int x : v) u32(x); }
                case long[] v -> { for (long x : v) u64(x); }
                case float[] v -> { for (float x : v) u32(Float.floatToRawIntBits(x)); }
                case double[] v -> { for (double x : v) u64(Double.doubleToRawLongBits(x)); }
                case boolean[] v -> { for (boolean x : v) u8(x ? 1 : 0); }
                case String[] v -> { for (String x : v) string(x); }
                case GgufValue.GgufArray[] v -> { for (GgufValue.GgufArray x : v) array(x); }
                default -> throw new IllegalStateException("unexpected array storage " + a.elements().getClass());
            }
        }
    }
}
