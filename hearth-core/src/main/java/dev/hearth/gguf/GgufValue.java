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

        /** An array of strings. */
        public static GgufArray ofStrings(String... values) {
            return new GgufArray(GgufValueType.STRING, values.clone());
        }

        /** An array of FLOAT32. */
        public static GgufArray ofFloats(float... values) {
            return new GgufArray(GgufValueType.FLOAT32, values.clone());
        }

        /** An array of INT32. */
        public static GgufArray ofInts(int... values) {
            return new GgufArray(GgufValueType.INT32, values.clone());
        }

        /** An array of arrays (the spec allows nesting; element arrays may differ in type and length). */
        public static GgufArray ofArrays(GgufArray... values) {
            return new GgufArray(GgufValueType.ARRAY, values.clone());
        }

        /** Structural equality: same element type and equal elements (floats compared by bits, like {@link Float#equals}). */
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof GgufArray other) || elementType != other.elementType) {
                return false;
            }
            return switch (elements) {
                case byte[] a when other.elements instanceof byte[] b -> Arrays.equals(a, b);
                case short[] a when other.elements instanceof short[] b -> Arrays.equals(a, b);
                case int[] a when other.elements instanceof int[] b -> Arrays.equals(a, b);
                case long[] a when other.elements instanceof long[] b -> Arrays.equals(a, b);
                case float[] a when other.elements instanceof float[] b -> Arrays.equals(a, b);
                case double[] a when other.elements instanceof double[] b -> Arrays.equals(a, b);
                case boolean[] a when other.elements instanceof boolean[] b -> Arrays.equals(a, b);
                case Object[] a when other.elements instanceof Object[] b -> Arrays.equals(a, b);
                default -> false;
            };
        }

        @Override
        public int hashCode() {
            int h = switch (elements) {
                case byte[] a -> Arrays.hashCode(a);
                case short[] a -> Arrays.hashCode(a);
                case int[] a -> Arrays.hashCode(a);
                case long[] a -> Arrays.hashCode(a);
                case float[] a -> Arrays.hashCode(a);
                case double[] a -> Arrays.hashCode(a);
                case boolean[] a -> Arrays.hashCode(a);
                case Object[] a -> Arrays.hashCode(a);
                default -> 0;
            };
            return elementType.hashCode() * 31 + h;
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

    public static GgufValue ofString(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofUInt32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue ofInt32(int v) {
        return new GgufValue(GgufValueType.INT32, (long) v);
    }

    public static GgufValue ofUInt64(long v) {
        return new GgufValue(GgufValueType.UINT64, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofArray(GgufArray a) {
        return new GgufValue(GgufValueType.ARRAY, a);
    }

    /**
     * The value as a long, for any integer type. UINT64 keeps its bit pattern, so a value above 2^63-1 comes
     * back negative ({@link GgufFile#getLong} rejects it instead).
     */
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
