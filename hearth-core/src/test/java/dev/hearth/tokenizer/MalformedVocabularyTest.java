package dev.hearth.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.gguf.GgufException;
import org.junit.jupiter.api.Test;

/** Hand-made vocabularies: clear errors for unusable metadata, sensible behaviour for odd but usable metadata. */
class MalformedVocabularyTest {

    private static GgufBuilder bpe(String pre, String[] tokens, String... merges) {
        GgufBuilder b = new GgufBuilder().string("tokenizer.ggml.model", "gpt2").strings("tokenizer.ggml.tokens", tokens);
        if (pre != null) {
            b.string("tokenizer.ggml.pre", pre);
        }
        return b.strings("tokenizer.ggml.merges", merges);
    }

    @Test
    void unknownTokenizerModelIsAClearError() {
        GgufBuilder b = new GgufBuilder().string("tokenizer.ggml.model", "rwkv").strings("tokenizer.ggml.tokens", "a");
        assertThatThrownBy(() -> Tokenizer.fromGguf(b.build())).isInstanceOf(GgufException.class)
                .hasMessageContaining("'rwkv'").hasMessageContaining("llama").hasMessageContaining("gpt2")
                .hasMessageContaining("bert");
    }

    @Test
    void missingOrMistypedTokenListIsAClearError() {
        assertThatThrownBy(() -> Tokenizer.fromGguf(new GgufBuilder().string("tokenizer.ggml.model", "llama").build()))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.tokens");
        assertThatThrownBy(() -> Tokenizer.fromGguf(new GgufBuilder().string("tokenizer.ggml.model", "llama")
                .ints("tokenizer.ggml.tokens", 1, 2).build()))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.tokens");
        assertThatThrownBy(() -> Tokenizer.fromGguf(new GgufBuilder().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens").build()))
                .isInstanceOf(GgufException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Tokenizer.fromGguf(new GgufBuilder().build()))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.model");
    }

    @Test
    void shortScoreOrTypeArraysAreClearErrors() {
        assertThatThrownBy(() -> Tokenizer.fromGguf(new GgufBuilder().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", "a", "b").floats("tokenizer.ggml.scores", 1f).build()))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.scores");
        assertThatThrownBy(() -> Tokenizer.fromGguf(new GgufBuilder().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", "a", "b").ints("tokenizer.ggml.token_type", 1).build()))
                .isInstanceOf(GgufException.class).hasMessageContaining("tokenizer.ggml.token_type");
    }

    @Test
    void bpeWithoutMergesIsAClearError() {
        GgufBuilder b = new GgufBuilder().string("tokenizer.ggml.model", "gpt2").strings("tokenizer.ggml.tokens", "a");
        assertThatThrownBy(() -> Tokenizer.fromGguf(b.build())).isInstanceOf(GgufException.class)
                .hasMessageContaining("tokenizer.ggml.merges");
    }

    @Test
    void mergesThroughPiecesMissingFromTheVocabularyStillApply() {
        // "ab" is not a token (a vocabulary cut short), but the merges a+b and ab+c still lead to "abc"
        Tokenizer tok = Tokenizer.fromGguf(bpe("gpt-2", new String[] {"a", "b", "c", "abc", "Ġ"}, "a b", "ab c", "x y z",
                "nospace").build());
        assertThat(tok.encode("abc", false, false)).containsExactly(3);
        assertThat(tok.encode("ab", false, false)).containsExactly(0, 1); // not a token: back to bytes
        assertThat(tok.encode("ab abc", false, false)).containsExactly(0, 1, 4, 3);
        // a byte without a token is dropped, as llama.cpp does
        assertThat(tok.encode("aqa", false, false)).containsExactly(0, 0);
        assertThat(tok.decode(new int[] {0, 4, 3})).isEqualTo("a abc");
    }

    @Test
    void unknownPreTokenizerFallsBackInsteadOfFailing() {
        Tokenizer tok = Tokenizer.fromGguf(bpe("some-future-model", new String[] {"a", "Ġ", "1"}).build());
        assertThat(tok.encode("a a 111", false, false)).containsExactly(0, 1, 0, 1, 2, 2, 2);
        Tokenizer noPre = Tokenizer.fromGguf(bpe(null, new String[] {"a", "Ġ"}).build());
        assertThat(noPre.encode("a a", false, false)).containsExactly(0, 1, 0);
    }

    @Test
    void specialIdsOutsideTheVocabularyAreIgnored() {
        GgufBuilder b = bpe("gpt-2", new String[] {"a", "b"}).u32("tokenizer.ggml.bos_token_id", 999)
                .u32("tokenizer.ggml.eos_token_id", 1).bool("tokenizer.ggml.add_bos_token", true);
        Tokenizer tok = Tokenizer.fromGguf(b.build());
        assertThat(tok.bosId()).isEqualTo(-1);
        assertThat(tok.eosId()).isEqualTo(1);
        assertThat(tok.addBosByDefault()).isFalse(); // nothing to add
        assertThat(tok.encode("a", true, false)).containsExactly(0);
        assertThat(tok.isEndOfGeneration(1)).isTrue();
    }

    @Test
    void sentencePieceWithoutByteTokensFallsBackToUnknown() {
        GgufBuilder b = new GgufBuilder().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", "<unk>", "<s>", "</s>", "▁", "a", "▁a", "")
                .floats("tokenizer.ggml.scores", 0, 0, 0, -1, -2, -0.5f, -9)
                .ints("tokenizer.ggml.token_type", 2, 3, 3, 1, 1, 1, 1);
        Tokenizer tok = Tokenizer.fromGguf(b.build());
        assertThat(tok.encode("a a", false, false)).containsExactly(5, 5);
        assertThat(tok.encode("aé", false, false)).containsExactly(5, 0, 0); // é: two bytes, no byte tokens
        assertThat(tok.tokenText(6)).isEqualTo("[EMPTY_6]");
        assertThat(tok.addBosByDefault()).isTrue();
        assertThat(tok.encode("a", tok.addBosByDefault(), false)).containsExactly(1, 5);
    }

    @Test
    void textNeverTurnsIntoControlOrByteTokensByMerging() {
        // "<s>" would be reachable by merging "<s" and ">"; SentencePiece never produces control pieces from text
        GgufBuilder b = new GgufBuilder().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", "<unk>", "<s>", "</s>", "<", "s", ">", "<s", "▁", "<0x41>", "<0", "x4", "1>")
                .floats("tokenizer.ggml.scores", 0, 0, 0, -1, -1, -1, -0.5f, -1, 0, -1, -1, -1)
                .ints("tokenizer.ggml.token_type", 2, 3, 3, 1, 1, 1, 1, 1, 6, 1, 1, 1)
                .bool("tokenizer.ggml.add_space_prefix", false);
        Tokenizer tok = Tokenizer.fromGguf(b.build());
        assertThat(tok.encode("<s>", false, false)).containsExactly(6, 5);
        assertThat(tok.encode("<s>", false, true)).containsExactly(1);
        assertThat(tok.encode("<0x41>", false, false)).doesNotContain(8);
    }
}
