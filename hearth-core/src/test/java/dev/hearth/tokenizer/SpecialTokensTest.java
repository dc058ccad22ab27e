package dev.hearth.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** BOS/EOS wrapping, special-token parsing (and its absence for user text), end-of-generation tokens. */
class SpecialTokensTest {

    private static int id(Tokenizer tok, String text) {
        for (int i = 0; i < tok.vocabSize(); i++) {
            if (tok.tokenText(i).equals(text)) {
                return i;
            }
        }
        throw new AssertionError("no token " + text);
    }

    @Test
    void controlTokenTextIsPlainTextUnlessParsingIsAsked() {
        Tokenizer tok = TestData.vocabTokenizer("llama3-bpe");
        String chat = "<|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|>";
        int[] parsed = tok.encode(chat, true, true);
        assertThat(parsed).containsExactly(128000, 128006, 882, 128007, 271, 15339, 128009);
        int[] plain = tok.encode(chat, false, false);
        assertThat(Arrays.stream(plain).anyMatch(tok::isControl)).isFalse();
        assertThat(tok.decode(plain)).isEqualTo(chat);
        // parsed special tokens vanish from the decoded text
        assertThat(tok.decode(parsed)).isEqualTo("user\n\nhello");
    }

    @Test
    void llama3Flags() {
        Tokenizer tok = TestData.vocabTokenizer("llama3-bpe");
        assertThat(tok.addBosByDefault()).isTrue();
        assertThat(tok.bosId()).isEqualTo(128000);
        assertThat(tok.eosId()).isEqualTo(128009);
        assertThat(tok.vocabSize()).isEqualTo(128256);
        assertThat(tok.isEndOfGeneration(128009)).isTrue(); // <|eot_id|>
        assertThat(tok.isEndOfGeneration(id(tok, "<|end_of_text|>"))).isTrue();
        assertThat(tok.isEndOfGeneration(id(tok, "<|eom_id|>"))).isTrue();
        assertThat(tok.isEndOfGeneration(128000)).isFalse();
        assertThat(tok.isEndOfGeneration(15339)).isFalse();
        assertThat(tok.isControl(128000)).isTrue();
        assertThat(tok.isControl(15339)).isFalse();
        assertThat(tok.tokenText(15339)).isEqualTo("hello");
        assertThat(tok.encode("", true, false)).containsExactly(128000);
        assertThat(tok.encode("", false, false)).isEmpty();
    }

    @Test
    void sentencePieceFlags() {
        Tokenizer tok = TestData.vocabTokenizer("llama-spm");
        assertThat(tok.addBosByDefault()).isTrue();
        assertThat(tok.bosId()).isEqualTo(1);
        assertThat(tok.eosId()).isEqualTo(2);
        assertThat(tok.encode("Hello world", true, false)).containsExactly(1, 15043, 3186);
        assertThat(tok.encode("Hello world", false, false)).containsExactly(15043, 3186);
        // a special token starts a new "sentence": the text after it gets the space prefix again
        assertThat(tok.encode("<s>Hello", false, true)).containsExactly(1, 15043);
        assertThat(tok.encode("<s>Hello", false, false)).doesNotContain(1);
        assertThat(tok.isEndOfGeneration(2)).isTrue();
        assertThat(tok.isEndOfGeneration(1)).isFalse();
        assertThat(tok.decode(new int[] {1, 15043, 3186})).isEqualTo("Hello world");
        assertThat(new String(tok.decodeBytes(15043))).isEqualTo(" Hello");
    }

    @Test
    void phi3EndsTurnsWithItsEndToken() {
        Tokenizer tok = TestData.vocabTokenizer("phi-3");
        int end = id(tok, "<|end|>");
        assertThat(tok.isEndOfGeneration(end)).isTrue();
        assertThat(tok.isEndOfGeneration(tok.eosId())).isTrue();
        assertThat(tok.isEndOfGeneration(id(tok, "<|user|>"))).isFalse();
        assertThat(tok.encode("<|user|>\nHi<|end|>", false, true)).contains(id(tok, "<|user|>"), end);
        assertThat(tok.encode("<|user|>\nHi<|end|>", false, false)).doesNotContain(id(tok, "<|user|>"), end);
    }

    @Test
    void gpt2DoesNotAddBosUnlessTold() {
        Tokenizer tok = TestData.vocabTokenizer("gpt-2");
        assertThat(tok.addBosByDefault()).isFalse();
        assertThat(tok.bosId()).isEqualTo(50256);
        assertThat(tok.isEndOfGeneration(50256)).isTrue();
        assertThat(tok.encode("<|endoftext|>", false, true)).containsExactly(50256);
        assertThat(tok.encode("<|endoftext|>", false, false)).doesNotContain(50256);
    }

    @Test
    void wordPieceWrapsInClsAndSep() {
        Tokenizer tok = TestData.vocabTokenizer("bert-bge");
        assertThat(tok.addBosByDefault()).isTrue();
        assertThat(tok.encode("Hello world", true, false)).containsExactly(101, 7592, 2088, 102);
        assertThat(tok.encode("Hello world", false, false)).containsExactly(7592, 2088);
        assertThat(tok.encode("[CLS] hi", false, true)[0]).isEqualTo(101);
        assertThat(tok.encode("[CLS] hi", false, false)).doesNotContain(101);
        assertThat(tok.decode(tok.encode("Hello world", false, false))).isEqualTo(" hello world");
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        Tokenizer tok = TestData.vocabTokenizer("llama-spm");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tok.decodeBytes(32000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32000");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tok.tokenText(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(tok.isEndOfGeneration(-1)).isFalse();
    }
}
