package dev.hearth.gguf;

/** Metadata value types of the GGUF format (spec: {@code gguf_metadata_value_type}). */
public enum GgufValueType {
    UINT8(1),
    INT8(1),
    UINT16(2),
    INT16(2),
    UINT32(4),
    INT32(4),
    FLOAT32(4),
    BOOL(1),
    STRING(-1),
    ARRAY(-1),
    UINT64(8),
    INT64(8),
    FLOAT64(8);

    private final int size;

    GgufValueType(int size) {
        this.size = size;
    }

    /** The id stored in the file: the declaration order above is the spec's numbering. */
    public int id() {
        return ordinal();
    }

    /** Fixed encoded size in bytes, or -1 for variable-size types. */
    public int size() {
        return size;
    }

    /** The smallest number of bytes one encoded value of this type can take (for count validation). */
    int minEncodedSize() {
        return switch (this) {
            case STRING -> 8; // u64 length
            case ARRAY -> 12; // u32 type + u64 count
            default -> size;
        };
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public String gguf() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    static GgufValueType byId(long id) {
        GgufValueType[] all = values();
        return id >= 0 && id < all.length ? all[(int) id] : null;
    }
}
