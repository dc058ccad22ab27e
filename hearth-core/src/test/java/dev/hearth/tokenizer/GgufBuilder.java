package dev.hearth.tokenizer;

import dev.hearth.gguf.GgufFile;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes small metadata-only GGUF v3 images for tests (GGUF spec: header, key/value pairs, no tensors). */
final class GgufBuilder {
    private static final int UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9;
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    GgufBuilder string(String key, String value) {
        ByteOut b = new ByteOut();
        b.u32(STRING);
        b.str(value);
        entries.put(key, b.bytes());
        return this;
    }

    GgufBuilder u32(String key, int value) {
        ByteOut b = new ByteOut();
        b.u32(UINT32);
        b.u32(value);
        entries.put(key, b.bytes());
        return this;
    }

    GgufBuilder bool(String key, boolean value) {
        ByteOut b = new ByteOut();
        b.u32(BOOL);
        b.out.write(value ? 1 : 0);
        entries.put(key, b.bytes());
        return this;
    }

    GgufBuilder strings(String key, String... values) {
        ByteOut b = new ByteOut();
        b.u32(ARRAY);
        b.u32(STRING);
        b.u64(values.length);
        for (String v : values) {
            b.str(v);
        }
        entries.put(key, b.bytes());
        return this;
    }

    GgufBuilder ints(String key, int... values) {
        ByteOut b = new ByteOut();
        b.u32(ARRAY);
        b.u32(INT32);
        b.u64(values.length);
        for (int v : values) {
            b.u32(v);
        }
        entries.put(key, b.bytes());
        return this;
    }

    GgufBuilder floats(String key, float... values) {
        ByteOut b = new ByteOut();
        b.u32(ARRAY);
        b.u32(FLOAT32);
        b.u64(values.length);
        for (float v : values) {
            b.u32(Float.floatToRawIntBits(v));
        }
        entries.put(key, b.bytes());
        return this;
    }

    GgufFile build() {
        ByteOut b = new ByteOut();
        b.out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        b.u32(3);
        b.u64(0);
        b.u64(entries.size());
        for (var e : entries.entrySet()) {
            b.str(e.getKey());
            b.out.writeBytes(e.getValue());
        }
        return GgufFile.read(MemorySegment.ofArray(b.bytes()));
    }

    private static final class ByteOut {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void u32(int v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void str(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            out.writeBytes(bytes);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
