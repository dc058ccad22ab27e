package dev.hearth.tensor;

import dev.hearth.gguf.GgmlType;
import java.util.Random;

/** Random but valid tensor rows: random quant bits, finite small fp16 scales where each type keeps them. */
final class RandomTensors {

    private RandomTensors() {
    }

    /** Byte offsets of the fp16 scale fields within one block of {@code type}. */
    static int[] halfFields(GgmlType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** {@code n} elements of {@code type} (n a whole number of blocks). */
    static byte[] row(GgmlType type, int n, Random random) {
        byte[] bytes = new byte[(int) type.byteSize(n)];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    putInt(bytes, 4 * i, Float.floatToRawIntBits((float) random.nextGaussian()));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    putShort(bytes, 2 * i, Float16.fromFloat((float) (random.nextGaussian() * scale(random))));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    putShort(bytes, 2 * i, BFloat16.fromFloat((float) (random.nextGaussian() * scale(random))));
                }
            }
            default -> {
                random.nextBytes(bytes);
                int[] fields = halfFields(type);
                for (int block = 0; block < bytes.length; block += type.typeSize()) {
                    for (int f : fields) {
                        float v = (float) (random.nextGaussian() * 0.01);
                        putShort(bytes, block + f, Float16.fromFloat(v));
                    }
                }
            }
        }
        return bytes;
    }

    /** Mostly ordinary magnitudes, sometimes tiny ones (binary16 subnormals) or large ones. */
    private static double scale(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> 1e-6;
            case 1 -> 1000;
            default -> 0.05;
        };
    }

    static float[] gaussian(int n, Random random) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static void putShort(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int k = 0; k < 4; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }
}
