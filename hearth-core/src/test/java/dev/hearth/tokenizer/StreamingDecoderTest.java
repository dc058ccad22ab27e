package dev.hearth.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {

    /** Feeds the ids one at a time; checks that no chunk holds half a character and that the chunks add up. */
    private static List<String> stream(Tokenizer tok, int[] ids, String expectedText) {
        StreamingDecoder decoder = tok.newStreamingDecoder();
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            String chunk = decoder.accept(id);
            assertThat(chunk).doesNotContain("\uFFFD");
            for (int i = 0; i < chunk.length(); i++) {
                char c = chunk.charAt(i);
                if (Character.isHighSurrogate(c)) {
                    assertThat(i + 1 < chunk.length() && Character.isLowSurrogate(chunk.charAt(i + 1)))
                            .as("surrogate pair complete in %s", chunk).isTrue();
                    i++;
                } else {
                    assertThat(Character.isLowSurrogate(c)).isFalse();
                }
            }
            chunks.add(chunk);
        }
        assertThat(decoder.flush()).isEmpty();
        assertThat(decoder.pendingBytes()).isZero();
        assertThat(String.join("", chunks)).isEqualTo(expectedText);
        return chunks;
    }

    @Test
    void emojiSplitIntoByteTokensComesOutWhole() {
        Tokenizer tok = TestData.vocabTokenizer("llama-spm");
        int[] ids = tok.encode("a🦙b", false, false);
        // llama's vocabulary has no piece for the llama emoji: it falls back to its 4 UTF-8 bytes
        assertThat(java.util.Arrays.stream(ids).mapToObj(tok::tokenText).toList())
                .containsSubsequence("<0xF0>", "<0x9F>", "<0xA6>", "<0x99>");
        List<String> chunks = stream(tok, ids, " a🦙b");
        assertThat(chunks).contains("🦙");
        assertThat(chunks.stream().filter(String::isEmpty).count()).isEqualTo(3); // three held-back bytes
    }

    @Test
    void cjkAndEmojiAcrossByteLevelPiecesComeOutWhole() {
        Tokenizer tok = TestData.vocabTokenizer("llama3-bpe");
        String text = "我想在apple工作1314151天～ 😁 ?🦙🦙 😶‍🌫️";
        int[] ids = tok.encode(text, false, false);
        List<String> chunks = stream(tok, ids, text);
        assertThat(chunks).anyMatch(String::isEmpty); // at least one character was split across pieces
    }

    @Test
    void theGoldenStringsStreamCleanly() throws Exception {
        for (String name : List.of("llama-spm", "llama3-bpe", "phi-3", "gpt-2", "deepseek-llm")) {
            Tokenizer tok = TestData.vocabTokenizer(name);
            for (TestData.Case c : TestData.cases(TestData.vocab(name))) {
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                for (int id : c.ids()) {
                    all.writeBytes(tok.decodeBytes(id));
                }
                stream(tok, c.ids(), all.toString(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void controlTokensContributeNothing() {
        Tokenizer tok = TestData.vocabTokenizer("llama3-bpe");
        StreamingDecoder decoder = tok.newStreamingDecoder();
        assertThat(decoder.accept(tok.bosId())).isEmpty();
        assertThat(decoder.accept(tok.encode("Hi", false, false)[0])).isEqualTo("Hi");
        assertThat(tok.decodeBytes(tok.eosId())).isEmpty();
        assertThat(new String(tok.decodeBytes(tok.eosId(), true), StandardCharsets.UTF_8)).isEqualTo("<|eot_id|>");
    }

    private static StreamingDecoder bytesOnly() {
        return TestData.vocabTokenizer("llama-spm").newStreamingDecoder();
    }

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    void holdsBackIncompleteSequencesByteByByte() {
        StreamingDecoder d = bytesOnly();
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
        assertThat(d.acceptBytes(b(emoji[0]))).isEmpty();
        assertThat(d.acceptBytes(b(emoji[1]))).isEmpty();
        assertThat(d.acceptBytes(b(emoji[2]))).isEmpty();
        assertThat(d.pendingBytes()).isEqualTo(3);
        assertThat(d.acceptBytes(b(emoji[3], 'x'))).isEqualTo("😀x");
        byte[] cjk = "世".getBytes(StandardCharsets.UTF_8);
        assertThat(d.acceptBytes(b('a', cjk[0], cjk[1]))).isEqualTo("a");
        assertThat(d.acceptBytes(b(cjk[2]))).isEqualTo("世");
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        StreamingDecoder d = bytesOnly();
        assertThat(d.acceptBytes(b(0x80, 'a'))).isEqualTo("\uFFFDa"); // stray continuation byte
        assertThat(d.acceptBytes(b(0xE4, 0xB8, 'b'))).isEqualTo("\uFFFDb"); // truncated, then ASCII
        assertThat(d.acceptBytes(b(0xC0, 0xAF))).isEqualTo("\uFFFD\uFFFD"); // overlong '/'
        assertThat(d.acceptBytes(b(0xED, 0xA0, 0x80))).isEqualTo("\uFFFD\uFFFD\uFFFD"); // a surrogate
        assertThat(d.acceptBytes(b(0xF5))).isEqualTo("\uFFFD"); // beyond U+10FFFF
        assertThat(d.acceptBytes(b(0xF0, 0x9F))).isEmpty();
        assertThat(d.flush()).isEqualTo("\uFFFD"); // the stream ended inside a character
        assertThat(d.pendingBytes()).isZero();
    }

    /** Feeding bytes one at a time gives the same text as feeding them all at once, valid or not. */
    @Test
    void byteByByteEqualsAllAtOnce() {
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 3000; round++) {
            byte[] bytes = new byte[random.nextInt(12)];
            for (int i = 0; i < bytes.length; i++) {
                int kind = random.nextInt(4);
                bytes[i] = (byte) (kind == 0 ? random.nextInt(0x80) : kind == 1 ? 0x80 + random.nextInt(0x40)
                        : kind == 2 ? 0xC0 + random.nextInt(0x40) : random.nextInt(256));
            }
            StreamingDecoder d = bytesOnly();
            StringBuilder out = new StringBuilder();
            for (byte x : bytes) {
                out.append(d.acceptBytes(new byte[] {x}));
            }
            out.append(d.flush());
            StreamingDecoder whole = bytesOnly();
            String expected = whole.acceptBytes(bytes) + whole.flush();
            assertThat(out.toString()).as("bytes %s", java.util.HexFormat.of().formatHex(bytes)).isEqualTo(expected);
            // with no malformed input the result is exactly what Java's decoder gives
            if (!expected.contains("\uFFFD")) {
                assertThat(expected).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
            }
        }
    }

    /** Valid text cut into byte chunks at random places streams back unchanged. */
    @Test
    void validTextCutAnywhereComesBackWhole() {
        java.util.Random random = new java.util.Random(7);
        int[] samples = {'a', 'é', 'ß', '世', 0x1F999, 0x1F600, 0x10348, '\n', 0xFFFF, 0x10FFFF, 0x800, 0x7FF};
        for (int round = 0; round < 1000; round++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(10); i > 0; i--) {
                text.appendCodePoint(samples[random.nextInt(samples.length)]);
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            StreamingDecoder d = bytesOnly();
            StringBuilder out = new StringBuilder();
            for (int at = 0; at < bytes.length; ) {
                int len = Math.min(bytes.length - at, 1 + random.nextInt(4));
                String chunk = d.acceptBytes(java.util.Arrays.copyOfRange(bytes, at, at + len));
                assertThat(chunk).doesNotContain("\uFFFD");
                out.append(chunk);
                at += len;
            }
            assertThat(d.flush()).isEmpty();
            assertThat(out.toString()).isEqualTo(text.toString());
        }
    }
}
