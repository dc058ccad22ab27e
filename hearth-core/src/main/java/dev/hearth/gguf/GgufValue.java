package dev.hearth.gguf;

import java.util.Arrays;

/**
 * One metadata value as stored in the file.
 *
 * <p>Representation of {@link #value()}: integers of every width as {@link Long} (UINT64 keeps its bit
 * pattern; see {@link #asUnsignedLong()}), FLOAT32/FLOAT64 as {@link Float}/{@link Double}, BOOL as
 * {@link Boolean}, STRING as {@link String}, ARRAY as a {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {

    /** An array value: the element type and a primitive Java array holding the elements. */
    public record GgufArray(GgufValueType elementType, Object elements) {
        /**
         * Elements by type: UINT8/INT8 {@code byte[]}, UINT16/INT16 {@code short[]}, UINT32/INT32 {@code int[]},
         * UINT64/INT64 {@code long[]}, FLOAT32 {@code float[]}, FLOAT64 {@code double[]}, BOOL
         * {@code boolean[]}, STRING {@code String[]}, ARRAY {@code GgufArray[]}.
         */
        public int length() {
            return java.lang.reflect.Array.getLength(elements);
        }

        /** Element {@code i} as a long, honouring the unsignedness of the element type. */
        public long longAt(int i) {
            return switch (elementType) {
                case UINT8 -> Byte.toUnsignedLong(((byte[]) elements)[i]);
                case INT8 -> ((byte[]) elements)[i];
                case UINT16 -> Short.toUnsignedLong(((short[]) elements)[i]);
                case INT16 -> ((short[]) elements)[i];
                case UINT32 -> Integer.toUnsignedLong(((int[]) elements)[i]);
                case INT32 -> ((int[]) elements)[i];
                case UINT64, INT64 -> ((long[]) elements)[i];
                default -> throw new GgufException("array of " + elementType.gguf() + " is not an integer array");
            };
        }

        @Override
        public String toString() {
            return switch (elements) {
                case byte[] a -> Arrays.toString(a);
                case short[] a -> Arrays.toString(a);
                case int[] a -> Arrays.toString(a);
                case long[] a -> Arrays.toString(a);
                case float[] a -> Arrays.toString(a);
                case double[] a -> Arrays.toString(a);
                case boolean[] a -> Arrays.toString(a);
                case Object[] a -> Arrays.toString(a);
                default -> String.valueOf(elements);
            };
        }
    }

    /** The value as a long, for any integer type (UINT64 above 2^63-1 is rejected). */
    public long asLong() {
        if (!type.isInteger()) {
            throw new IllegalStateException("not an integer: " + type.gguf());
        }
        return (Long) value;
    }

    /** The raw 64-bit pattern, to be read as unsigned for UINT64. */
    public long asUnsignedLong() {
        return asLong();
    }

    public GgufArray asArray() {
        return (GgufArray) value;
    }
}
