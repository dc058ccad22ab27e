package dev.hearth.gguf;

import static dev.hearth.gguf.GgufTesting.allocatedBytes;
import static dev.hearth.gguf.GgufTesting.allocationBound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Truncated and randomly corrupted GGUF files: whatever the damage, parsing ends in success or a
 * {@link GgufException}, never another exception, and never allocates more than a small multiple of the
 * file's size. The mutations are seeded, so a failure names the iteration that reproduces it.
 */
class GgufFuzzTest {

    /** What a message about a file cut short says: it must name the truncation, not some other problem. */
    private static final Pattern TRUNCATION = Pattern.compile(
            "truncated|runs past the end|is impossible|lies outside the file|should start at offset");

    private static final String[] MODELS = {
        "models/llama-spm-Q4_K_M.gguf", "models/qwen3-Q8_0.gguf", "models/gemma3-Q4_K_M.gguf",
    };

    // ---- truncation --------------------------------------------------------------------------------

    /** A small file whose last tensor ends exactly at the end of the file (no padding after it). */
    private static byte[] smallFile() {
        return new GgufWriter()
                .putString("general.architecture", "llama")
                .putUInt32("llama.block_count", 1)
                .putFloat32("llama.rope.freq_base", 10000f)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putStringArray("tokenizer.ggml.tokens", "<unk>", "<s>", "▁a")
                .putArray("x.nested", GgufValue.GgufArray.ofArrays(GgufValue.GgufArray.ofInts(1, 2),
                        GgufValue.GgufArray.ofStrings("z")))
                .putUInt64("x.u64", 5)
                .addTensor("a", GgmlType.Q8_0, new long[] {32, 2}, new byte[68])
                .addTensor("b", new long[] {16}, new float[16])
                .toByteArray();
    }

    @Test
    void everyTruncationOfASmallFileFailsNamingTheTruncation() {
        byte[] image = smallFile();
        MemorySegment whole = MemorySegment.ofArray(image);
        try (GgufFile f = GgufFile.read(whole)) {
            GgufTensorInfo last = f.tensor("b");
            assertThat(f.dataOffset() + last.offset() + last.byteSize()).isEqualTo(image.length);
        }
        for (int n = 0; n < image.length; n++) {
            expectTruncationError(whole.asSlice(0, n), "small file cut at " + n);
        }
    }

    @Test
    void truncationsOfRealModelsFail() throws Exception {
        Random random = new Random(42);
        for (String name : MODELS) {
            byte[] image = GgufTesting.readTestdata(name);
            MemorySegment whole = MemorySegment.ofArray(image);
            long dataEnd;
            long dataOffset;
            try (GgufFile f = GgufFile.read(whole)) {
                dataOffset = f.dataOffset();
                dataEnd = dataOffset;
                for (GgufTensorInfo t : f.tensors()) {
                    dataEnd = Math.max(dataEnd, f.tensorFileOffset(t) + t.byteSize());
                }
            }
            List<Long> cuts = new ArrayList<>();
            for (long n = 0; n < 2048; n++) {
                cuts.add(n); // every offset of the header and the first keys
            }
            for (int i = 0; i < 300; i++) {
                cuts.add(2048 + (long) (random.nextDouble() * (dataOffset - 2048))); // inside the metadata
            }
            for (int i = 0; i < 50; i++) {
                cuts.add(dataOffset + (long) (random.nextDouble() * (dataEnd - dataOffset))); // inside the data
            }
            cuts.add(dataEnd - 1);
            for (long n : cuts) {
                expectTruncationError(whole.asSlice(0, n), name + " cut at " + n);
            }
            // Cutting only the padding after the last tensor leaves every tensor whole.
            try (GgufFile f = GgufFile.read(whole.asSlice(0, dataEnd))) {
                assertThat(f.tensors()).isNotEmpty();
            }
        }
    }

    private static void expectTruncationError(MemorySegment image, String what) {
        checkAllocation(() -> {
            try (GgufFile f = GgufFile.read(image)) {
                return f;
            } catch (GgufException e) {
                return e;
            }
        }, image.byteSize(), what);
        try (GgufFile f = GgufFile.read(image)) {
            fail(what + ": parsed without error (" + f.tensors().size() + " tensors)");
        } catch (GgufException e) {
            if (!TRUNCATION.matcher(e.getMessage()).find()) {
                fail(what + ": message does not name the truncation: " + e.getMessage());
            }
        } catch (Throwable t) {
            throw new AssertionError(what + ": threw " + t, t);
        }
    }

    /**
     * Runs {@code parse} and checks what it allocated. A first run of an error path also links its string
     * concatenation call sites, which allocates a few MB once; so an excess is measured again before failing.
     */
    private static void checkAllocation(java.util.function.Supplier<Object> parse, long size, String what) {
        for (int attempt = 0; ; attempt++) {
            long before = allocatedBytes();
            parse.get();
            long allocated = allocatedBytes() - before;
            if (allocated < allocationBound(size)) {
                return;
            }
            if (attempt == 1) {
                fail(what + ": allocated " + allocated + " bytes parsing " + size + " bytes");
            }
        }
    }

    // ---- random mutations --------------------------------------------------------------------------

    /** A field of the file that holds a count, length, type, dimension or offset. */
    private record Field(int offset, int width, String what) {}

    /** Walks a valid file and lists its structural fields, so that mutations hit them, not just string bytes. */
    private static List<Field> structuralFields(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        List<Field> fields = new ArrayList<>();
        b.position(4);
        fields.add(new Field(4, 4, "version"));
        fields.add(new Field(8, 8, "tensor count"));
        fields.add(new Field(16, 8, "metadata count"));
        b.position(8);
        long tensorCount = b.getLong();
        long kvCount = b.getLong();
        for (long i = 0; i < kvCount; i++) {
            fields.add(new Field(b.position(), 8, "key length"));
            skip(b, b.getLong());
            fields.add(new Field(b.position(), 4, "value type"));
            walkValue(b, b.getInt(), fields);
        }
        for (long i = 0; i < tensorCount; i++) {
            fields.add(new Field(b.position(), 8, "tensor name length"));
            skip(b, b.getLong());
            fields.add(new Field(b.position(), 4, "dimension count"));
            int dims = b.getInt();
            for (int d = 0; d < dims; d++) {
                fields.add(new Field(b.position(), 8, "dimension"));
                b.getLong();
            }
            fields.add(new Field(b.position(), 4, "tensor type"));
            b.getInt();
            fields.add(new Field(b.position(), 8, "tensor offset"));
            b.getLong();
        }
        return fields;
    }

    private static void skip(ByteBuffer b, long bytes) {
        b.position(Math.toIntExact(b.position() + bytes));
    }

    private static void walkValue(ByteBuffer b, int type, List<Field> fields) {
        GgufValueType t = GgufValueType.byId(type);
        switch (t) {
            case STRING -> {
                fields.add(new Field(b.position(), 8, "string length"));
                skip(b, b.getLong());
            }
            case ARRAY -> {
                fields.add(new Field(b.position(), 4, "array element type"));
                int et = b.getInt();
                fields.add(new Field(b.position(), 8, "array length"));
                long n = b.getLong();
                GgufValueType elementType = GgufValueType.byId(et);
                if (elementType.size() > 0) {
                    skip(b, n * elementType.size());
                } else {
                    for (long i = 0; i < n; i++) {
                        walkValue(b, et, fields);
                    }
                }
            }
            default -> skip(b, t.size());
        }
    }

    private static final long[] INTERESTING_64 = {
        0, 1, 2, 31, 32, 33, 63, 64, 255, 4096, 65535, 65536, Integer.MAX_VALUE, 1L << 31, 1L << 32,
        (1L << 32) + 1, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2, Long.MAX_VALUE - 31,
    };

    private static final long[] INTERESTING_32 = {
        0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 30, 31, 39, 40, 255, 0x7FFF_FFFF, 0x8000_0000L, 0xFFFF_FFFFL,
    };

    @Test
    void randomMutationsOfRealFilesFailCleanly() throws Exception {
        long seed = 20250101;
        int iterations = 1500;
        for (String name : MODELS) {
            fuzz(GgufTesting.readTestdata(name), name, seed++, iterations);
        }
        fuzz(GgufTesting.readTestdata("models/llama-2-tiny-random.gguf"), "llama-2-tiny-random", seed++, 300);
    }

    private static void fuzz(byte[] image, String name, long seed, int iterations) {
        Random random = new Random(seed);
        List<Field> fields = structuralFields(image);
        // Vocabulary strings make up most fields; pick a kind of field first so that counts, types,
        // dimensions and offsets get their share.
        List<List<Field>> fieldsByKind = new ArrayList<>(
                fields.stream().collect(java.util.stream.Collectors.groupingBy(Field::what, java.util.TreeMap::new,
                        java.util.stream.Collectors.toList())).values());
        int headerEnd;
        try (GgufFile f = GgufTesting.read(image)) {
            headerEnd = (int) f.dataOffset();
        }
        assertThat(fields.getLast().offset() + 8).isLessThanOrEqualTo(headerEnd);
        ByteBuffer le = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        byte[] pristine = image.clone();
        int outcomes = 0;
        for (int i = 0; i < iterations; i++) {
            StringBuilder what = new StringBuilder(name + " seed " + seed + " iteration " + i + ":");
            int mutations = 1 + random.nextInt(3);
            int lowest = image.length;
            int highest = 0;
            for (int m = 0; m < mutations; m++) {
                int kind = random.nextInt(10);
                if (kind < 5) {
                    List<Field> kindOfField = fieldsByKind.get(random.nextInt(fieldsByKind.size()));
                    Field field = kindOfField.get(random.nextInt(kindOfField.size()));
                    long value = field.width == 8
                            ? pick(random, INTERESTING_64, le.getLong(field.offset), image.length - field.offset)
                            : pick(random, INTERESTING_32, le.getInt(field.offset), 0);
                    if (field.width == 8) {
                        le.putLong(field.offset, value);
                    } else {
                        le.putInt(field.offset, (int) value);
                    }
                    what.append(" ").append(field.what).append("@").append(field.offset).append("=").append(value);
                    lowest = Math.min(lowest, field.offset);
                    highest = Math.max(highest, field.offset + field.width);
                } else if (kind < 8) {
                    int at = random.nextInt(headerEnd);
                    int bits = 1 + random.nextInt(8);
                    for (int k = 0; k < bits; k++) {
                        int pos = Math.min(headerEnd - 1, at + random.nextInt(8));
                        image[pos] ^= (byte) (1 << random.nextInt(8));
                        lowest = Math.min(lowest, pos);
                        highest = Math.max(highest, pos + 1);
                    }
                    what.append(" flip ").append(bits).append(" bits near ").append(at);
                } else {
                    int at = random.nextInt(headerEnd - 8);
                    long value = INTERESTING_64[random.nextInt(INTERESTING_64.length)];
                    le.putLong(at, value);
                    what.append(" put ").append(value).append("@").append(at);
                    lowest = Math.min(lowest, at);
                    highest = Math.max(highest, at + 8);
                }
            }
            long length = image.length;
            if (random.nextInt(6) == 0) {
                length = random.nextLong(image.length);
                what.append(" cut at ").append(length);
            }
            outcomes += parseExpectingSuccessOrGgufException(MemorySegment.ofArray(image).asSlice(0, length), what);
            System.arraycopy(pristine, lowest, image, lowest, highest - lowest);
        }
        assertThat(image).isEqualTo(pristine);
        // The mutations must actually break files most of the time, or the test proves little.
        assertThat(outcomes).as(name + ": mutations that made the file unreadable").isGreaterThan(iterations / 2);
    }

    private static long pick(Random random, long[] interesting, long original, long remaining) {
        return switch (random.nextInt(6)) {
            case 0 -> original + 1;
            case 1 -> original - 1;
            case 2 -> remaining;
            case 3 -> random.nextLong();
            default -> interesting[random.nextInt(interesting.length)];
        };
    }

    /** Returns 1 when the file was rejected, 0 when it parsed (and then its tensors must all be readable). */
    private static int parseExpectingSuccessOrGgufException(MemorySegment image, CharSequence what) {
        int rejected;
        long before = allocatedBytes();
        try (GgufFile f = GgufFile.read(image)) {
            for (GgufTensorInfo t : f.tensors()) {
                MemorySegment data = f.tensorData(t);
                data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
            }
            rejected = 0;
        } catch (GgufException e) {
            assertThat(e.getMessage()).as(what.toString()).isNotBlank();
            rejected = 1;
        } catch (Throwable t) {
            throw new AssertionError(what + ": threw " + t, t);
        }
        if (allocatedBytes() - before < allocationBound(image.byteSize())) {
            return rejected;
        }
        checkAllocation(() -> {
            try (GgufFile f = GgufFile.read(image)) {
                return f;
            } catch (GgufException e) {
                return e;
            }
        }, image.byteSize(), what.toString());
        return rejected;
    }
}
