package dev.hearth.gguf;

/**
 * Tensor element types of the GGML/GGUF format, with the ids used in GGUF tensor infos.
 *
 * <p>Quantized types store {@link #blockSize()} elements in {@link #typeSize()} bytes; a row's length must
 * be a multiple of the block size. Ids follow ggml's {@code enum ggml_type}; the gaps (4, 5, 31-33, 36-38)
 * are types ggml removed. A type listed here can be read from a file (and shown by {@code inspect}) even
 * where the engine cannot compute with it yet.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),
    Q4_1(3, 32, 2 + 2 + 16),
    Q5_0(6, 32, 2 + 4 + 16),
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    Q8_0(8, 32, 2 + 32),
    Q8_1(9, 32, 4 + 32),
    /** 16 scale/min nibble pairs, 64 bytes of 2-bit quants, fp16 d and dmin. */
    Q2_K(10, 256, 16 + 64 + 2 + 2),
    /** 32 bytes high-bit mask, 64 bytes of low 2 bits, 12 bytes of 6-bit scales, fp16 d. */
    Q3_K(11, 256, 32 + 64 + 12 + 2),
    /** fp16 d and dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles. */
    Q4_K(12, 256, 2 + 2 + 12 + 128),
    /** Like Q4_K plus 32 bytes with the fifth bit. */
    Q5_K(13, 256, 2 + 2 + 12 + 32 + 128),
    /** 128 bytes low nibbles, 64 bytes high 2 bits, 16 int8 scales, fp16 d. */
    Q6_K(14, 256, 128 + 64 + 16 + 2),
    Q8_K(15, 256, 4 + 256 + 32),
    IQ2_XXS(16, 256, 2 + 64),
    IQ2_XS(17, 256, 2 + 64 + 8),
    IQ3_XXS(18, 256, 2 + 96),
    IQ1_S(19, 256, 2 + 32 + 16),
    IQ4_NL(20, 32, 2 + 16),
    IQ3_S(21, 256, 2 + 64 + 8 + 32 + 4),
    IQ2_S(22, 256, 2 + 64 + 8 + 8),
    /** fp16 d, 16-bit high scale bits, 4 bytes low scale nibbles, 128 bytes of non-linear 4-bit codes. */
    IQ4_XS(23, 256, 2 + 2 + 4 + 128),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 32 + 16 + 8),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 48 + 4 + 2),
    TQ2_0(35, 256, 64 + 2),
    MXFP4(39, 32, 1 + 16);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain float and integer types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** The type with this GGUF id, or {@code null} if the id is unknown. */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** Why an id has no type, for error messages: ggml removed some, others are newer than Hearth. */
    static String describeUnknownId(long id) {
        if (id == 4 || id == 5) {
            return " (Q4_2/Q4_3, removed from ggml in 2023)";
        }
        if ((id >= 31 && id <= 33) || (id >= 36 && id <= 38)) {
            return " (a repacked type that ggml no longer stores in GGUF files)";
        }
        return id > 39 && id < 256 ? " (newer than this version of Hearth?)" : "";
    }

    /**
     * Bytes taken by {@code elements} elements of this type.
     *
     * @throws ArithmeticException on overflow
     * @throws IllegalArgumentException if {@code elements} is not a whole number of blocks
     */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    elements + " elements is not a multiple of the " + name() + " block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }
}
