package dev.hearth.gguf;

import static dev.hearth.gguf.GgufTesting.read;
import static dev.hearth.gguf.GgufTesting.testdata;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** GgufWriter: write, read back with GgufFile, compare; real files rewrite to identical bytes. */
class GgufWriterTest {

    @TempDir
    Path dir;

    private static GgufValue.GgufArray array(GgufValueType type, Object elements) {
        return new GgufValue.GgufArray(type, elements);
    }

    /** One key of every scalar type at its extremes, and arrays of every element type including nesting. */
    private static GgufWriter everyValueType() {
        return new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.empty", "")
                .putString("general.unicode", "Grüße, 世界 🔥 \u0000 nul inside")
                .putString("general.long", "x".repeat(100_000))
                .putUInt8("t.u8", 255)
                .putInt8("t.i8", -128)
                .putUInt16("t.u16", 65535)
                .putInt16("t.i16", -32768)
                .putUInt32("t.u32", 0xFFFF_FFFFL)
                .putInt32("t.i32", Integer.MIN_VALUE)
                .putUInt64("t.u64", -1L)
                .putInt64("t.i64", Long.MIN_VALUE)
                .putFloat32("t.f32", Float.NaN)
                .putFloat32("t.f32_tiny", Float.MIN_VALUE)
                .putFloat64("t.f64", -0.0)
                .putBool("t.true", true)
                .putBool("t.false", false)
                .putArray("a.u8", array(GgufValueType.UINT8, new byte[] {0, 1, (byte) 255}))
                .putArray("a.i8", array(GgufValueType.INT8, new byte[] {-128, 127}))
                .putArray("a.u16", array(GgufValueType.UINT16, new short[] {(short) 65535}))
                .putArray("a.i16", array(GgufValueType.INT16, new short[] {-1, 2}))
                .putArray("a.u32", array(GgufValueType.UINT32, new int[] {-1}))
                .putIntArray("a.i32", 1, -2, 3)
                .putArray("a.u64", array(GgufValueType.UINT64, new long[] {-1L, 0}))
                .putArray("a.i64", array(GgufValueType.INT64, new long[] {Long.MAX_VALUE}))
                .putFloatArray("a.f32", 0.5f, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc00001))
                .putArray("a.f64", array(GgufValueType.FLOAT64, new double[] {Math.PI}))
                .putArray("a.bool", array(GgufValueType.BOOL, new boolean[] {true, false, true}))
                .putStringArray("a.str", "<s>", "", "▁the", "\n")
                .putStringArray("a.empty")
                .putArray("a.nested", GgufValue.GgufArray.ofArrays(
                        GgufValue.GgufArray.ofStrings("a", "b"),
                        GgufValue.GgufArray.ofInts(),
                        GgufValue.GgufArray.ofArrays(GgufValue.GgufArray.ofFloats(1f, 2f))));
    }

    private static byte[] randomBytes(Random random, long n) {
        byte[] b = new byte[Math.toIntExact(n)];
        random.nextBytes(b);
        return b;
    }

    @Test
    void metadataAndTensorsRoundTrip() {
        Random random = new Random(1);
        GgufWriter w = everyValueType();
        record Added(String name, GgmlType type, long[] shape, byte[] data) {}
        List<Added> added = new ArrayList<>();
        Object[][] specs = {
            {"token_embd.weight", GgmlType.Q4_K, new long[] {256, 3}},
            {"blk.0.attn_norm.weight", GgmlType.F32, new long[] {7}},
            {"blk.0.attn_q.weight", GgmlType.Q8_0, new long[] {64, 5, 1}},
            {"blk.0.ffn_up.weight", GgmlType.F16, new long[] {3, 1, 2, 2}},
            {"blk.0.ffn_down.weight", GgmlType.IQ4_XS, new long[] {256, 1}},
            {"output.weight", GgmlType.BF16, new long[] {1}},
        };
        for (Object[] spec : specs) {
            GgmlType type = (GgmlType) spec[1];
            long[] shape = (long[]) spec[2];
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            byte[] data = randomBytes(random, type.byteSize(elements));
            w.addTensor((String) spec[0], type, shape, data);
            added.add(new Added((String) spec[0], type, shape, data));
        }
        byte[] image = w.toByteArray();
        try (GgufFile f = read(image)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.metadata()).isEqualTo(w.metadata());
            assertThat(f.metadata().keySet()).containsExactlyElementsOf(w.metadata().keySet());
            assertThat(f.getString("general.unicode")).isEqualTo("Grüße, 世界 🔥 \u0000 nul inside");
            assertThat(f.getLong("t.u32")).isEqualTo(0xFFFF_FFFFL);
            assertThat(f.value("t.u64").orElseThrow().asUnsignedLong()).isEqualTo(-1L);
            assertThat(Float.floatToRawIntBits(((float[]) f.getArray("a.f32").elements())[2])).isEqualTo(0x7fc00001);
            assertThat(f.tensors()).hasSize(added.size());
            long expectedOffset = 0;
            for (int i = 0; i < added.size(); i++) {
                Added a = added.get(i);
                GgufTensorInfo t = f.tensors().get(i);
                assertThat(t.name()).isEqualTo(a.name());
                assertThat(t.type()).isEqualTo(a.type());
                assertThat(t.shape()).isEqualTo(a.shape());
                assertThat(t.offset()).isEqualTo(expectedOffset);
                assertThat(f.tensorData(t).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(a.data());
                expectedOffset += (a.data().length + 31) / 32 * 32;
            }
            // Every tensor, the last included, is padded, as llama.cpp's reader expects.
            assertThat(f.fileSize()).isEqualTo(f.dataOffset() + expectedOffset);
            assertThat(f.dataOffset() % 32).isZero();
        }
    }

    @Test
    void customAlignmentAndVersionTwo() {
        byte[] image = new GgufWriter().version(2).alignment(256)
                .putString("general.name", "aligned")
                .addTensor("a", new long[] {3}, new float[] {1, 2, 3})
                .addTensor("b", new long[] {2}, new float[] {-1.5f, 4})
                .toByteArray();
        try (GgufFile f = read(image)) {
            assertThat(f.version()).isEqualTo(2);
            assertThat(f.alignment()).isEqualTo(256);
            assertThat(f.dataOffset() % 256).isZero();
            assertThat(f.tensor("b").offset()).isEqualTo(256);
            assertThat(f.fileSize()).isEqualTo(f.dataOffset() + 512);
            MemorySegment b = f.tensorData(f.tensor("b"));
            ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            assertThat(b.getAtIndex(le, 0)).isEqualTo(-1.5f);
            assertThat(b.getAtIndex(le, 1)).isEqualTo(4f);
        }
    }

    @Test
    void fileWithoutTensorsEndsAfterTheMetadata() {
        GgufWriter w = new GgufWriter().putString("general.name", "x");
        byte[] image = w.toByteArray();
        assertThat(image).hasSize(24 + 8 + 12 + 4 + 8 + 1);
        try (GgufFile f = read(image)) {
            assertThat(f.tensors()).isEmpty();
            assertThat(f.metadata()).isEqualTo(w.metadata());
        }
    }

    @Test
    void putReplacesInPlace() {
        GgufWriter w = new GgufWriter().putUInt32("a.first", 1).putUInt32("a.second", 2).putString("a.first", "now a string");
        assertThat(w.metadata().keySet()).containsExactly("a.first", "a.second");
        try (GgufFile f = read(w.toByteArray())) {
            assertThat(f.getString("a.first")).isEqualTo("now a string");
        }
    }

    @Test
    void tensorDataFromMemorySegmentsOfAnyKind() {
        float[] floats = {1, 2, 3, 4};
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment nativeSegment = arena.allocate(16);
            nativeSegment.copyFrom(MemorySegment.ofArray(floats));
            byte[] image = new GgufWriter()
                    .addTensor("heap_floats", GgmlType.F32, new long[] {4}, MemorySegment.ofArray(floats))
                    .addTensor("native", GgmlType.F32, new long[] {4}, nativeSegment)
                    .addTensor("streamed", GgmlType.I8, new long[] {3}, out -> out.write(ByteBuffer.wrap(new byte[] {7, 8, 9})))
                    .toByteArray();
            try (GgufFile f = read(image)) {
                assertThat(f.tensorData(f.tensor("heap_floats")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(floats);
                assertThat(f.tensorData(f.tensor("native")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(floats);
                assertThat(f.tensorData(f.tensor("streamed")).toArray(ValueLayout.JAVA_BYTE)).containsExactly(7, 8, 9);
            }
        }
    }

    // ---- files on disk -----------------------------------------------------------------------------

    @Test
    void writesAtomicallyAndReplaces() throws Exception {
        Path target = dir.resolve("model.gguf");
        Files.writeString(target, "old contents");
        new GgufWriter().putString("general.name", "new").addTensor("t", new long[] {2}, new float[] {1, 2}).write(target);
        try (GgufFile f = GgufFile.open(target)) {
            assertThat(f.getString("general.name")).isEqualTo("new");
            assertThat(f.path()).isEqualTo(target);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
        // The model gets the permissions any new file gets here (not a private temporary file's 0600).
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            Path plain = Files.createFile(dir.resolve("plain"));
            assertThat(Files.getPosixFilePermissions(target)).isEqualTo(Files.getPosixFilePermissions(plain));
        }
    }

    @Test
    void failedWriteLeavesTargetAndNoTemporaryFile() throws Exception {
        Path target = dir.resolve("model.gguf");
        Files.writeString(target, "old contents");
        GgufWriter failing = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, out -> {
            throw new IOException("disk on fire");
        });
        assertThatThrownBy(() -> failing.write(target)).isInstanceOf(IOException.class).hasMessage("disk on fire");
        GgufWriter wrongSize = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4},
                out -> out.write(ByteBuffer.allocate(15)));
        assertThatThrownBy(() -> wrongSize.write(target)).isInstanceOf(IOException.class)
                .hasMessage("tensor 't' wrote 15 bytes, expected 16");
        assertThat(Files.readString(target)).isEqualTo("old contents");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    // ---- validation --------------------------------------------------------------------------------

    @Test
    void rejectsWhatTheReaderWouldReject() {
        GgufWriter w = new GgufWriter();
        assertThatThrownBy(() -> w.putUInt32("", 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 65535 bytes");
        assertThatThrownBy(() -> w.putUInt32("k".repeat(65_536), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.putUInt32("général", 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("printable ASCII");
        assertThatThrownBy(() -> w.putUInt8("a.b", 256)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256 does not fit in a uint8");
        assertThatThrownBy(() -> w.putInt8("a.b", 128)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.putUInt32("a.b", -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit in a uint32");
        assertThatThrownBy(() -> w.put("a.b", new GgufValue(GgufValueType.STRING, 5L))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a string value must be a String, got Long");
        assertThatThrownBy(() -> w.putArray("a.b", array(GgufValueType.INT32, new long[] {1}))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("an array of int32 must hold a int[]");
        assertThatThrownBy(() -> w.putStringArray("a.b", "ok", null)).isInstanceOf(IllegalArgumentException.class);
        GgufValue.GgufArray deep = GgufValue.GgufArray.ofInts(1);
        for (int i = 0; i < 8; i++) {
            deep = GgufValue.GgufArray.ofArrays(deep);
        }
        GgufValue.GgufArray tooDeep = deep;
        assertThatThrownBy(() -> w.putArray("a.deep", tooDeep)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nested deeper than 8");
        assertThatThrownBy(() -> w.alignment(48)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> w.putInt32("general.alignment", 32)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a uint32");
        assertThat(w.metadata()).isEmpty();
    }

    @Test
    void rejectsBadTensors() {
        GgufWriter w = new GgufWriter().addTensor("t", new long[] {1}, new float[] {1});
        assertThatThrownBy(() -> w.addTensor("t", new long[] {1}, new float[] {1})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate tensor name 't'");
        assertThatThrownBy(() -> w.addTensor("n".repeat(64), new long[] {1}, new float[] {1})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 63 bytes");
        assertThatThrownBy(() -> w.addTensor("u", new long[] {2}, new float[] {1})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 8 bytes, got 4");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.F32, new long[] {0}, new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension of 0");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, new byte[4])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 dimensions");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.Q4_0, new long[] {16}, new byte[9])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row length 16 is not a multiple of the Q4_0 block size 32");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.F32, new long[] {1L << 32, 1L << 32}, new byte[4])).isInstanceOf(ArithmeticException.class);
        try (GgufFile f = read(w.toByteArray())) {
            assertThat(f.tensors()).extracting(GgufTensorInfo::name).containsExactly("t");
        }
    }

    // ---- real files --------------------------------------------------------------------------------

    static Stream<String> realFiles() throws IOException {
        List<String> names = new ArrayList<>();
        for (String sub : new String[] {"models", "tokenizer"}) {
            try (Stream<Path> files = Files.list(testdata(sub))) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".gguf")).sorted()
                        .forEach(n -> names.add(sub + "/" + n));
            }
        }
        assertThat(names).hasSizeGreaterThan(30);
        return names.stream();
    }

    /**
     * Copying every key and tensor of a file written by llama.cpp or gguf-py through GgufWriter gives the
     * same bytes: same encoding, same layout, same padding. (One vocabulary was written by gguf-py, which
     * pads even a file without tensors; there only that padding differs.)
     */
    @ParameterizedTest
    @MethodSource("realFiles")
    void realFilesRewriteToIdenticalBytes(String name) throws Exception {
        byte[] original = GgufTesting.readTestdata(name);
        GgufWriter w = new GgufWriter();
        try (GgufFile f = read(original)) {
            w.version(f.version());
            f.metadata().forEach(w::put);
            for (GgufTensorInfo t : f.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), f.tensorData(t));
            }
            byte[] rewritten = w.toByteArray();
            if (f.tensors().isEmpty() && original.length > rewritten.length) {
                assertThat(original.length).isEqualTo(GgufFile.alignUp(rewritten.length, f.alignment()));
                original = java.util.Arrays.copyOf(original, rewritten.length);
            }
            assertThat(java.util.Arrays.mismatch(original, rewritten)).as("first differing byte").isEqualTo(-1);
        }
    }
}
