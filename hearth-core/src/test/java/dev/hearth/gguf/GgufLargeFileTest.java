package dev.hearth.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files over 2 GiB: offsets and sizes past Integer.MAX_VALUE, mapped without copying. */
class GgufLargeFileTest {

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void tensorDataBeyondTwoGigabytes() throws Exception {
        // One F32 tensor of 4096 x 163840 = 2.5 GiB. The file is sparse: only the header and the two
        // values written below take disk space.
        long rows = 163_840;
        long rowLength = 4096;
        byte[] header = RawGguf.header(1, 1)
                .kvString("general.architecture", "llama")
                .tensor("token_embd.weight", new long[] {rowLength, rows}, GgmlType.F32.id(), 0)
                .pad(GgufFile.DEFAULT_ALIGNMENT)
                .build();
        long tensorBytes = rowLength * rows * 4;
        assertThat(tensorBytes).isGreaterThan(Integer.MAX_VALUE);
        Path file = dir.resolve("large.gguf");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header);
            raf.setLength(header.length + tensorBytes);
            raf.seek(header.length);
            raf.writeInt(Integer.reverseBytes(Float.floatToIntBits(1.25f)));
            raf.seek(header.length + tensorBytes - 4);
            raf.writeInt(Integer.reverseBytes(Float.floatToIntBits(-7.5f)));
        }
        try (GgufFile f = GgufFile.open(file)) {
            GgufTensorInfo t = f.tensor("token_embd.weight");
            assertThat(t.byteSize()).isEqualTo(tensorBytes);
            assertThat(t.rows()).isEqualTo(rows);
            assertThat(f.fileSize()).isEqualTo(header.length + tensorBytes);
            MemorySegment data = f.tensorData(t);
            assertThat(data.byteSize()).isEqualTo(tensorBytes);
            assertThat(data.get(F32_LE, 0)).isEqualTo(1.25f);
            assertThat(data.get(F32_LE, tensorBytes - 4)).isEqualTo(-7.5f);
            assertThat(data.get(F32_LE, tensorBytes / 2)).isZero();
            // The last row, read through a row slice as the engine would.
            MemorySegment lastRow = data.asSlice((rows - 1) * t.rowBytes(), t.rowBytes());
            assertThat(lastRow.getAtIndex(F32_LE, rowLength - 1)).isEqualTo(-7.5f);
        }
    }
}
