package dev.hearth.tensor;

import static dev.hearth.tensor.InterleavedMatrix.GROUP_ROWS;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The group layout shared by {@link InterleavedQ4_0} and {@link InterleavedQ8_0}, whose blocks are an f16 scale
 * followed by quant bytes ({@code blockBytes} in all): blocks of 32 columns come in chunks of up to
 * {@value #CHUNK_BLOCKS}, each chunk first the 32 rows' scales ({@code 2 * (32 * i + r)}: block {@code i} of the
 * chunk, row {@code r}), then {@code 32 * (blockBytes - 2)} quant bytes per block, arranged by each type.
 * Scales first keep the kernels' reads strictly sequential.
 */
final class ChunkedBlocks {
    /** Blocks per chunk: 512 columns, whose 32 x 16 scales convert at once into {@link InterleavedMatrix#TEMP}. */
    static final int CHUNK_BLOCKS = 16;

    private ChunkedBlocks() {
    }

    /** Bytes of a chunk's source as staged by {@link #stage}: 32 rows of {@value #CHUNK_BLOCKS} blocks. */
    static int stagingBytes(int blockBytes) {
        return GROUP_ROWS * CHUNK_BLOCKS * blockBytes;
    }

    /** Offset in a group of block {@code b}'s scale of row {@code r}. */
    static long scaleOffset(int blockBytes, int b, int r) {
        int b0 = b - b % CHUNK_BLOCKS;
        return (long) b0 * GROUP_ROWS * blockBytes + 2L * (GROUP_ROWS * (b - b0) + r);
    }

    /** Offset in a group of block {@code b}'s quant bytes ({@code blocks} blocks per row). */
    static long quantOffset(int blockBytes, int blocks, int b) {
        int b0 = b - b % CHUNK_BLOCKS;
        int nb = Math.min(CHUNK_BLOCKS, blocks - b0);
        return (long) b0 * GROUP_ROWS * blockBytes + 2L * GROUP_ROWS * nb + (long) GROUP_ROWS * (blockBytes - 2) * (b - b0);
    }

    /**
     * The first step of repacking the chunk of blocks {@code b0 .. b0 + nb} of 32 rows (row r at
     * {@code srcOffset + r * rowBytes}): copies their source to {@code in} ({@link #stagingBytes}, row r at
     * {@code r * CHUNK_BLOCKS * blockBytes}, so that the type's quant loop sees a constant stride and C2 drops its
     * range checks) and writes the chunk's scales at {@code dst[chunk ..]}.
     */
    static void stage(MemorySegment src, long srcOffset, long rowBytes, int blockBytes, int b0, int nb, byte[] in,
            byte[] dst, int chunk) {
        int chunkRowBytes = CHUNK_BLOCKS * blockBytes;
        for (int r = 0; r < GROUP_ROWS; r++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset + r * rowBytes + (long) b0 * blockBytes, in,
                    r * chunkRowBytes, nb * blockBytes);
        }
        for (int i = 0; i < nb; i++) {
            for (int r = 0; r < GROUP_ROWS; r++) {
                int block = r * chunkRowBytes + i * blockBytes;
                dst[chunk + 2 * (GROUP_ROWS * i + r)] = in[block];
                dst[chunk + 2 * (GROUP_ROWS * i + r) + 1] = in[block + 1];
            }
        }
    }
}
