package dev.hearth.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.gguf.GgufFile;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Cutting the text before each word must not change SentencePiece's result, only its speed. */
class SentencePieceWordCutTest {

    @Test
    void cuttingBeforeWordsGivesTheSameIdsAsMergingTheWholeText() throws Exception {
        Vocabulary vocab;
        try (GgufFile file = GgufFile.open(TestData.vocab("llama-spm"))) {
            vocab = Vocabulary.load(file);
        }
        SentencePieceTokenizer cut = new SentencePieceTokenizer(vocab, true);
        SentencePieceTokenizer whole = new SentencePieceTokenizer(vocab, false);
        String[] pieces = {"the", " ", "  ", "Hello", "world", "▁", "\n", "ing", "un", "believ", "able", "🦙", "世界",
            "Ω", "3", "333", ".", ",", "'s", "\t", "ab", "a"};
        Random random = new Random(99);
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(30); i > 0; i--) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            String s = text.toString();
            assertThat(cut.encode(s, false, false)).as(TestData.show(s)).containsExactly(whole.encode(s, false, false));
        }
    }
}
