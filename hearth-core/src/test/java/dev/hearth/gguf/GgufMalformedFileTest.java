package dev.hearth.gguf;

import static dev.hearth.gguf.GgufTesting.assertMalformed;
import static dev.hearth.gguf.GgufTesting.read;
import static dev.hearth.gguf.RawGguf.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made malformed GGUF files, one problem each: every one must fail with a {@link GgufException} whose
 * message names the problem (which key or tensor, what was expected), and without a large allocation.
 */
class GgufMalformedFileTest {

    private static final long TWO_POW_63 = Long.MIN_VALUE;
    private static final long TWO_POW_64_MINUS_1 = -1L;

    @TempDir
    Path dir;

    // ---- the file itself ---------------------------------------------------------------------------

    @Test
    void missingFileIsNoSuchFile() {
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("absent.gguf")))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("absent.gguf");
    }

    @Test
    void directoryIsRejected() {
        assertThatThrownBy(() -> GgufFile.open(dir))
                .isInstanceOf(GgufException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void emptyFileIsTruncated() throws Exception {
        Path p = Files.write(dir.resolve("empty.gguf"), new byte[0]);
        assertThatThrownBy(() -> GgufFile.open(p))
                .isInstanceOf(GgufException.class)
                .hasMessageContaining("empty.gguf")
                .hasMessageContaining("truncated")
                .hasMessageContaining("magic");
    }

    @Test
    void errorsFromOpenNameTheFile() throws Exception {
        Path p = Files.write(dir.resolve("bad-version.gguf"), header(7, 0, 0).build());
        assertThatThrownBy(() -> GgufFile.open(p))
                .isInstanceOf(GgufException.class)
                .hasMessageStartingWith("bad-version.gguf: ")
                .hasMessageContaining("unsupported GGUF version 7");
    }

    @Test
    void wrongMagic() {
        byte[] ggml = new RawGguf().bytes("GGML".getBytes()).u32(3).u64(0).u64(0).build();
        assertMalformed(ggml, "not a GGUF file", "\"GGML\"");
        assertMalformed(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0}, "not a GGUF file", "89 50 4e 47");
    }

    @Test
    void unsupportedVersions() {
        assertMalformed(header(1, 0, 0).build(), "GGUF version 1 is not supported");
        assertMalformed(header(0, 0, 0).build(), "unsupported GGUF version 0");
        assertMalformed(header(4, 0, 0).build(), "unsupported GGUF version 4", "supported: 2 and 3");
        assertMalformed(header(3 << 24, 0, 0).build(), "big-endian");
    }

    @Test
    void versionTwoAndThreeAreRead() {
        for (int version : new int[] {2, 3}) {
            try (GgufFile f = read(header(version, 0, 1).kvString("general.name", "v").build())) {
                assertThat(f.version()).isEqualTo(version);
                assertThat(f.getString("general.name")).isEqualTo("v");
            }
        }
    }

    // ---- counts ------------------------------------------------------------------------------------

    @Test
    void hugeTensorCounts() {
        assertMalformed(header(TWO_POW_63, 0).build(), "tensor count 9223372036854775808 is impossible");
        assertMalformed(header(TWO_POW_64_MINUS_1, 0).build(), "tensor count 18446744073709551615 is impossible");
        assertMalformed(header(1_000_000, 0).zeros(1000).build(), "tensor count 1000000 is impossible");
    }

    @Test
    void hugeMetadataCounts() {
        assertMalformed(header(0, TWO_POW_63).build(), "metadata count 9223372036854775808 is impossible");
        assertMalformed(header(0, TWO_POW_64_MINUS_1).zeros(64).build(), "metadata count 18446744073709551615");
        assertMalformed(header(0, 1000).kvU32("a.b", 1).build(), "metadata count 1000 is impossible");
    }

    @Test
    void fewerEntriesThanCounted() {
        // Counts small enough to look possible, but the entries are not all there.
        assertMalformed(header(0, 2).kvU32("a.b", 1).zeros(8).build(), "metadata key #1");
    }

    // ---- keys --------------------------------------------------------------------------------------

    @Test
    void keyLengthBeyondTheFile() {
        assertMalformed(header(0, 1).u64(TWO_POW_63).zeros(16).build(),
                "metadata key #0", "string length 9223372036854775808 runs past the end of the file");
        assertMalformed(header(0, 1).u64(100).bytes("general.name".getBytes()).zeros(8).build(),
                "metadata key #0", "string length 100 runs past the end");
    }

    @Test
    void keyLongerThanTheSpecAllows() {
        String key = "k".repeat(65_536);
        assertMalformed(header(0, 1).str(key).u32(UINT8).u8(1).build(),
                "metadata key #0", "string length 65536 exceeds the limit of 65535");
    }

    @Test
    void emptyKey() {
        assertMalformed(header(0, 1).str("").u32(UINT8).u8(1).build(), "metadata key #0 is empty");
    }

    @Test
    void keyWithControlOrNonAsciiCharacters() {
        assertMalformed(header(0, 1).str("general.\u001b[31mname").u32(UINT8).u8(1).build(),
                "metadata key #0", "not printable ASCII", "0x1b");
        assertMalformed(header(0, 1).str("général").u32(UINT8).u8(1).build(),
                "metadata key #0", "not printable ASCII", "0xc3");
    }

    @Test
    void duplicateKeys() {
        assertMalformed(header(0, 2).kvU32("llama.block_count", 1).kvU32("llama.block_count", 2).build(),
                "duplicate metadata key 'llama.block_count'");
    }

    // ---- values ------------------------------------------------------------------------------------

    @Test
    void unknownValueTypes() {
        assertMalformed(header(0, 1).str("a.b").u32(13).u64(0).build(),
                "metadata key 'a.b' has unknown value type 13");
        assertMalformed(header(0, 1).str("a.b").u32(0xFFFF_FFFFL).u64(0).build(),
                "metadata key 'a.b' has unknown value type 4294967295");
        assertMalformed(header(0, 1).str("a.b").u32(ARRAY).u32(99).u64(0).build(),
                "element of array 'a.b' has unknown value type 99");
    }

    @Test
    void valueTruncated() {
        assertMalformed(header(0, 1).str("a.b").u32(UINT64).u32(7).build(),
                "value of 'a.b'", "truncated", "needs 8 bytes");
        assertMalformed(header(0, 1).str("a.b").u32(FLOAT64).build(), "value of 'a.b'", "truncated");
        assertMalformed(header(0, 1).str("a.bcdefgh").build(), "metadata key 'a.bcdefgh' type", "truncated");
    }

    @Test
    void stringValueLengthBeyondTheFile() {
        assertMalformed(header(0, 1).str("general.name").u32(STRING).u64(TWO_POW_63).build(),
                "value of 'general.name'", "string length 9223372036854775808 runs past the end");
        assertMalformed(header(0, 1).str("general.name").u32(STRING).u64(1000).bytes("abc".getBytes()).build(),
                "value of 'general.name'", "string length 1000 runs past the end", "3 bytes left");
    }

    @Test
    void arrayLengthsBeyondTheFile() {
        assertMalformed(header(0, 1).str("a.b").u32(ARRAY).u32(UINT8).u64(TWO_POW_63).build(),
                "metadata key 'a.b': array length 9223372036854775808 is impossible");
        assertMalformed(header(0, 1).str("a.b").u32(ARRAY).u32(INT32).u64(3).u32(1).u32(2).build(),
                "metadata key 'a.b': array length 3 is impossible", "8 bytes left hold at most 2");
        // Strings take at least 8 bytes each (their length), so 2^62 of them cannot fit anywhere.
        assertMalformed(header(0, 1).str("tokenizer.ggml.tokens").u32(ARRAY).u32(STRING).u64(1L << 62).zeros(64).build(),
                "'tokenizer.ggml.tokens': array length 4611686018427387904 is impossible");
        assertMalformed(header(0, 1).str("a.b").u32(ARRAY).u32(ARRAY).u64(TWO_POW_64_MINUS_1).zeros(64).build(),
                "'a.b': array length 18446744073709551615 is impossible");
    }

    @Test
    void stringElementBeyondTheFile() {
        assertMalformed(header(0, 1).str("tokenizer.ggml.tokens").u32(ARRAY).u32(STRING).u64(2)
                        .str("a").u64(TWO_POW_63).build(),
                "array 'tokenizer.ggml.tokens' element 1", "string length 9223372036854775808 runs past");
    }

    @Test
    void boolsMustBeZeroOrOne() {
        assertMalformed(header(0, 1).str("a.flag").u32(BOOL).u8(2).build(),
                "value of 'a.flag'", "bool must be 0 or 1, found 2");
        assertMalformed(header(0, 1).str("a.flags").u32(ARRAY).u32(BOOL).u64(3).u8(1).u8(0).u8(7).build(),
                "array 'a.flags' element 2", "bool must be 0 or 1, found 7");
    }

    @Test
    void nestedArraysAreReadButNotTooDeep() {
        // Two levels: an array of two arrays of strings.
        byte[] ok = header(0, 1).str("a.nested").u32(ARRAY).u32(ARRAY).u64(2)
                .u32(STRING).u64(1).str("x")
                .u32(INT16).u64(2).u8(1).u8(0).u8(0xFF).u8(0xFF)
                .build();
        try (GgufFile f = read(ok)) {
            GgufValue.GgufArray outer = f.getArray("a.nested");
            assertThat(outer.length()).isEqualTo(2);
            GgufValue.GgufArray[] inner = (GgufValue.GgufArray[]) outer.elements();
            assertThat((String[]) inner[0].elements()).containsExactly("x");
            assertThat(inner[1].longAt(1)).isEqualTo(-1);
        }
        RawGguf deep = header(0, 1).str("a.deep").u32(ARRAY);
        for (int i = 0; i < 9; i++) {
            deep.u32(ARRAY).u64(1);
        }
        deep.u32(UINT8).u64(0);
        assertMalformed(deep.build(), "'a.deep[0][0][0][0][0][0][0][0]'", "nested deeper than 8");
    }

    // ---- general.alignment -------------------------------------------------------------------------

    @Test
    void alignmentMustBeAUint32PowerOfTwo() {
        assertMalformed(header(0, 1).str("general.alignment").u32(INT32).u32(32).build(),
                "metadata key 'general.alignment' has type int32, expected a uint32");
        assertMalformed(header(0, 1).kvU32("general.alignment", 0).build(), "general.alignment = 0 is not a power of two");
        assertMalformed(header(0, 1).kvU32("general.alignment", 48).build(), "general.alignment = 48 is not a power of two");
        assertMalformed(header(0, 1).kvU32("general.alignment", 1L << 31).build(),
                "general.alignment = 2147483648 is larger than the supported maximum");
    }

    @Test
    void alignmentDecidesWhereDataStarts() {
        RawGguf raw = header(1, 1).kvU32("general.alignment", 64).tensor("t", new long[] {4}, 0, 0).pad(64);
        int dataStart = raw.size();
        byte[] image = raw.f32(1).f32(2).f32(3).f32(4).build();
        try (GgufFile f = read(image)) {
            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.dataOffset()).isEqualTo(dataStart).isEqualTo(128);
            assertThat(f.tensorData(f.tensor("t")).byteSize()).isEqualTo(16);
        }
        // Offset 32 is aligned for the default but not for 64.
        byte[] misaligned = header(2, 1).kvU32("general.alignment", 64)
                .tensor("a", new long[] {16}, 0, 0).tensor("b", new long[] {4}, 0, 32).pad(64).zeros(128).build();
        assertMalformed(misaligned, "tensor 'b' data offset 32 is not a multiple of the alignment 64");
    }

    // ---- tensor infos ------------------------------------------------------------------------------

    @Test
    void tensorNameTooLongOrBeyondTheFile() {
        assertMalformed(header(1, 0).tensor("x".repeat(64), new long[] {1}, 0, 0).pad(32).zeros(32).build(),
                "tensor #0 name", "string length 64 exceeds the limit of 63");
        assertMalformed(header(1, 0).u64(TWO_POW_63).zeros(40).build(),
                "tensor #0 name", "string length 9223372036854775808 runs past the end");
    }

    @Test
    void dimensionCounts() {
        for (long n : new long[] {0, 5, 0xFFFF_FFFFL}) {
            byte[] image = header(1, 0).str("blk.0.attn_q.weight").u32(n).u64(4).u64(4).u32(0).u64(0).zeros(64).build();
            assertMalformed(image, "tensor 'blk.0.attn_q.weight' has " + n + " dimensions, expected 1 to 4");
        }
    }

    @Test
    void zeroOrNegativeDimensions() {
        assertMalformed(header(1, 0).tensor("t", new long[] {0}, 0, 0).pad(32).build(),
                "tensor 't' dimension 0 is 0", "at least 1");
        assertMalformed(header(1, 0).tensor("t", new long[] {4, -1}, 0, 0).pad(32).build(),
                "tensor 't' dimension 1 is -1");
        assertMalformed(header(1, 0).tensor("t", new long[] {4, 4, TWO_POW_63}, 0, 0).pad(32).build(),
                "tensor 't' dimension 2 is -9223372036854775808");
    }

    @Test
    void elementCountOverflow() {
        assertMalformed(header(1, 0).tensor("t", new long[] {1L << 32, 1L << 32}, 0, 0).pad(32).build(),
                "tensor 't' shape [4294967296, 4294967296] has more than 2^63-1 elements");
        assertMalformed(header(1, 0).tensor("t", new long[] {1L << 20, 1L << 21, 1L << 21, 2}, 0, 0).pad(32).build(),
                "tensor 't' shape [1048576, 2097152, 2097152, 2] has more than 2^63-1 elements");
    }

    @Test
    void byteSizeOverflow() {
        // 2^61 F64 elements is a valid element count but 2^64 bytes.
        assertMalformed(header(1, 0).tensor("t", new long[] {1L << 61}, 28, 0).pad(32).build(),
                "tensor 't' of type F64 and shape [2305843009213693952] takes more than 2^63-1 bytes");
    }

    @Test
    void unknownTensorTypes() {
        assertMalformed(header(1, 0).tensor("t", new long[] {32}, 4, 0).pad(32).zeros(32).build(),
                "tensor 't' has unknown tensor type 4", "removed");
        assertMalformed(header(1, 0).tensor("t", new long[] {32}, 40, 0).pad(32).zeros(32).build(),
                "tensor 't' has unknown tensor type 40");
        assertMalformed(header(1, 0).tensor("t", new long[] {32}, (int) 0xFFFF_FFFFL, 0).pad(32).zeros(32).build(),
                "tensor 't' has unknown tensor type 4294967295");
    }

    @Test
    void rowLengthNotAWholeNumberOfBlocks() {
        assertMalformed(header(1, 0).tensor("t", new long[] {33, 2}, 2, 0).pad(32).zeros(64).build(),
                "tensor 't' row length 33 is not a multiple of the Q4_0 block size 32");
        assertMalformed(header(1, 0).tensor("t", new long[] {128}, 12, 0).pad(32).zeros(256).build(),
                "tensor 't' row length 128 is not a multiple of the Q4_K block size 256");
    }

    @Test
    void misalignedTensorOffset() {
        assertMalformed(header(1, 0).tensor("t", new long[] {4}, 0, 8).pad(32).zeros(64).build(),
                "tensor 't' data offset 8 is not a multiple of the alignment 32");
    }

    @Test
    void tensorOffsetsOutsideTheFile() {
        assertMalformed(header(1, 0).tensor("t", new long[] {4}, 0, TWO_POW_63).pad(32).zeros(16).build(),
                "tensor 't' data offset 9223372036854775808 lies outside the file");
        assertMalformed(header(1, 0).tensor("t", new long[] {4}, 0, 1024).pad(32).zeros(16).build(),
                "tensor 't' (16 bytes at data offset 1024) lies outside the file", "data section has 16 bytes");
        // The largest aligned offset: offset + size overflows a long.
        assertMalformed(header(1, 0).tensor("t", new long[] {64}, 0, Long.MAX_VALUE - 31).pad(32).zeros(16).build(),
                "tensor 't' (256 bytes at data offset 9223372036854775776) lies outside the file");
    }

    @Test
    void tensorDataCutShort() {
        assertMalformed(header(1, 0).tensor("token_embd.weight", new long[] {8, 2}, 0, 0).pad(32).zeros(63).build(),
                "tensor 'token_embd.weight' (64 bytes at data offset 0) lies outside the file",
                "data section has 63 bytes", "truncated");
    }

    @Test
    void dataSectionStartBeyondTheFile() {
        byte[] image = header(1, 0).tensor("t", new long[] {1}, 0, 0).build();
        assertMalformed(image, "tensor data should start at offset 64 but the file has " + image.length + " bytes");
    }

    @Test
    void overlappingTensors() {
        assertMalformed(header(2, 0).tensor("a", new long[] {16}, 0, 0).tensor("b", new long[] {8}, 0, 32)
                        .pad(32).zeros(96).build(),
                "tensors 'a' (data offsets 0 to 64) and 'b' (data offsets 32 to 64) overlap");
        assertMalformed(header(2, 0).tensor("a", new long[] {8}, 0, 0).tensor("b", new long[] {8}, 0, 0)
                        .pad(32).zeros(32).build(),
                "tensors 'a'", "and 'b'", "overlap");
        // A large tensor covering two later ones is caught even though the two later ones do not overlap.
        assertMalformed(header(3, 0).tensor("c", new long[] {8}, 0, 96).tensor("big", new long[] {64}, 0, 0)
                        .tensor("b", new long[] {8}, 0, 32).pad(32).zeros(256).build(),
                "tensors 'big'", "overlap");
    }

    @Test
    void tensorsMayLeaveGapsAndComeInAnyOrder() {
        // llama.cpp insists on contiguous data; the spec only asks for aligned, in-bounds offsets.
        byte[] image = header(2, 0).tensor("late", new long[] {8}, 0, 64).tensor("early", new long[] {8}, 0, 0)
                .pad(32).zeros(96).build();
        try (GgufFile f = read(image)) {
            assertThat(f.tensors()).extracting(GgufTensorInfo::name).containsExactly("late", "early");
            assertThat(f.tensorFileOffset(f.tensor("late"))).isEqualTo(f.dataOffset() + 64);
        }
    }

    @Test
    void duplicateTensorNames() {
        assertMalformed(header(2, 0).tensor("output.weight", new long[] {8}, 0, 0)
                        .tensor("output.weight", new long[] {8}, 0, 32).pad(32).zeros(64).build(),
                "duplicate tensor name 'output.weight'");
    }

    @Test
    void controlCharactersInTensorNamesAreEscapedInMessages() {
        GgufException e = assertMalformed(header(2, 0).tensor("evil\u001b[2J", new long[] {8}, 0, 0)
                .tensor("evil\u001b[2J", new long[] {8}, 0, 32).pad(32).zeros(64).build(),
                "duplicate tensor name 'evil\\u001b[2J'");
        assertThat(e.getMessage()).doesNotContain("\u001b");
    }

    @Test
    void tensorInfoTruncated() {
        assertMalformed(header(1, 0).str("token_embd.weight").u32(2).u64(4).build(),
                "tensor 'token_embd.weight' dimension 1", "truncated");
        assertMalformed(header(1, 0).str("t").u32(1).u64(4).u32(0).u32(0).build(), "tensor 't' offset", "truncated");
    }

    // ---- typed accessors ---------------------------------------------------------------------------

    private static GgufFile typedKeys() {
        return read(new GgufWriter()
                .putString("llama.block_count", "32")
                .putUInt32("llama.context_length", 3_000_000_000L)
                .putUInt64("llama.huge", -1L)
                .putInt32("llama.embedding_length", 4096)
                .putUInt8("general.file_type", 7)
                .putString("general.architecture", "llama")
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putFloat32("llama.rope.freq_base", 10000f)
                .putFloat64("llama.rope.scale", 0.5)
                .putIntArray("tokenizer.ggml.token_type", 1, 2, 3)
                .putStringArray("tokenizer.ggml.tokens", "a", "b")
                .putArray("llama.big_ints", new GgufValue.GgufArray(GgufValueType.UINT32, new int[] {-1}))
                .putFloatArray("tokenizer.ggml.scores", 0.5f, -1f)
                .toByteArray());
    }

    @Test
    void wrongTypesForKnownKeysNameTheKey() {
        try (GgufFile f = typedKeys()) {
            assertThatThrownBy(() -> f.getInt("llama.block_count")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'llama.block_count' has type string, expected an integer");
            assertThatThrownBy(() -> f.getLong("llama.block_count")).isInstanceOf(GgufException.class)
                    .hasMessageContaining("'llama.block_count' has type string");
            assertThatThrownBy(() -> f.getString("llama.embedding_length")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'llama.embedding_length' has type int32, expected a string");
            assertThatThrownBy(() -> f.getFloat("general.architecture")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'general.architecture' has type string, expected a number");
            assertThatThrownBy(() -> f.getBool("general.file_type")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'general.file_type' has type uint8, expected a bool");
            assertThatThrownBy(() -> f.getStringArray("tokenizer.ggml.token_type")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'tokenizer.ggml.token_type' has type array of int32, expected an array of strings");
            assertThatThrownBy(() -> f.getFloatArray("tokenizer.ggml.tokens")).isInstanceOf(GgufException.class)
                    .hasMessageContaining("'tokenizer.ggml.tokens' has type array of string, expected an array of floats");
            assertThatThrownBy(() -> f.getIntArray("tokenizer.ggml.scores")).isInstanceOf(GgufException.class)
                    .hasMessageContaining("'tokenizer.ggml.scores' has type array of float32, expected an array of integers");
            assertThatThrownBy(() -> f.getArray("general.architecture")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'general.architecture' has type string, expected an array");
        }
    }

    @Test
    void integersOutOfRangeNameTheKey() {
        try (GgufFile f = typedKeys()) {
            assertThat(f.getLong("llama.context_length")).isEqualTo(3_000_000_000L);
            assertThatThrownBy(() -> f.getInt("llama.context_length")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'llama.context_length' = 3000000000 is out of range");
            assertThatThrownBy(() -> f.getLong("llama.huge")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'llama.huge' = 18446744073709551615 is out of range");
            assertThatThrownBy(() -> f.getIntArray("llama.big_ints")).isInstanceOf(GgufException.class)
                    .hasMessage("metadata key 'llama.big_ints' element 0 = 4294967295 is out of range");
        }
    }

    @Test
    void missingKeysAndTensors() {
        try (GgufFile f = typedKeys()) {
            assertThatThrownBy(() -> f.getInt("llama.feed_forward_length")).isInstanceOf(GgufException.class)
                    .hasMessage("missing metadata key 'llama.feed_forward_length'");
            assertThatThrownBy(() -> f.tensor("output.weight")).isInstanceOf(GgufException.class)
                    .hasMessage("missing tensor 'output.weight'");
            assertThat(f.findTensor("output.weight")).isEmpty();
            assertThat(f.optString("general.name")).isEmpty();
            assertThat(f.getInt("llama.feed_forward_length", 11008)).isEqualTo(11008);
        }
    }

    @Test
    void typedAccessorsConvertWhereSafe() {
        try (GgufFile f = typedKeys()) {
            assertThat(f.getInt("general.file_type")).isEqualTo(7);
            assertThat(f.getFloat("llama.rope.freq_base")).isEqualTo(10000f);
            assertThat(f.getFloat("llama.rope.scale")).isEqualTo(0.5f);
            assertThat(f.getFloat("llama.embedding_length")).isEqualTo(4096f);
            assertThat(f.getBool("tokenizer.ggml.add_bos_token")).isTrue();
            assertThat(f.getIntArray("tokenizer.ggml.token_type")).containsExactly(1, 2, 3);
            assertThat(f.architecture()).isEqualTo("llama");
            // Returned arrays are copies: callers cannot change the file's metadata.
            f.getStringArray("tokenizer.ggml.tokens")[0] = "changed";
            f.getFloatArray("tokenizer.ggml.scores")[0] = 42f;
            assertThat(f.getStringArray("tokenizer.ggml.tokens")).containsExactly("a", "b");
            assertThat(f.getFloatArray("tokenizer.ggml.scores")).containsExactly(0.5f, -1f);
        }
    }

    @Test
    void tensorDataRejectsAnotherFilesTensor() {
        byte[] image = header(1, 0).tensor("t", new long[] {4}, 0, 0).pad(32).zeros(16).build();
        try (GgufFile f = read(image)) {
            GgufTensorInfo foreign = new GgufTensorInfo("t", GgmlType.F32, new long[] {4}, 1 << 20, 4, 16);
            assertThatThrownBy(() -> f.tensorData(foreign)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not in");
            assertThat(f.tensorData(f.tensor("t")).isReadOnly()).isTrue();
        }
    }
}
