package dev.hearth.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian field reads from tensor data (GGUF stores everything little-endian, unaligned). */
final class TensorBytes {

    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TensorBytes() {
    }

    /** The unsigned byte at {@code offset}. */
    static int u8(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    /** The signed byte at {@code offset}. */
    static int i8(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset);
    }

    /** The unsigned little-endian 16-bit value at {@code offset}. */
    static int u16(MemorySegment data, long offset) {
        return data.get(SHORT_LE, offset) & 0xFFFF;
    }

    /** The little-endian 32-bit value at {@code offset}. */
    static int i32(MemorySegment data, long offset) {
        return data.get(INT_LE, offset);
    }

    /** The binary16 value at {@code offset}, as a float. */
    static float f16(MemorySegment data, long offset) {
        return Float16.toFloat(data.get(SHORT_LE, offset));
    }
}
