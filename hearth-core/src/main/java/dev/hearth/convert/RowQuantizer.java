package dev.hearth.convert;

import dev.hearth.gguf.GgmlType;
import dev.hearth.tensor.BFloat16;
import dev.hearth.tensor.Float16;
import java.nio.ByteBuffer;

/** Encodes rows of floats as one tensor type, appending the bytes to a little-endian buffer. */
interface RowQuantizer {

    GgmlType type();

    /** Appends {@code n} values (a whole number of blocks) of {@code row} in {@link #type()}'s layout. */
    void quantize(float[] row, int n, ByteBuffer out);

    /**
     * The encoder of {@code type}.
     *
     * @throws IllegalArgumentException for a type Hearth cannot write
     */
    static RowQuantizer forType(GgmlType type) {
        return switch (type) {
            case F32 -> of(type, (row, n, out) -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat(row[i]);
                }
            });
            case F16 -> of(type, (row, n, out) -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(Float16.fromFloat(row[i]));
                }
            });
            case BF16 -> of(type, (row, n, out) -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(BFloat16.fromFloat(row[i]));
                }
            });
            default -> throw new IllegalArgumentException("writing " + type + " tensors is not supported yet");
        };
    }

    /** The body of a quantizer. */
    interface Body {
        void quantize(float[] row, int n, ByteBuffer out);
    }

    private static RowQuantizer of(GgmlType type, Body body) {
        return new RowQuantizer() {
            @Override
            public GgmlType type() {
                return type;
            }

            @Override
            public void quantize(float[] row, int n, ByteBuffer out) {
                body.quantize(row, n, out);
            }
        };
    }
}
