package dev.hearth.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The three ways a split runs (hand-written scanner, code point set scanner, java.util.regex on collapsed or
 * plain text) must agree wherever llama.cpp's would: llama.cpp picks its scanners for the GPT-2 and Llama 3
 * expressions because they give the same words as the expressions.
 */
class PreTokenizerTest {

    /** Code points that exercise every branch: letters of several scripts, digits, marks, spaces, symbols... */
    private static final int[] ALPHABET = {'a', 'B', 'z', 'é', 'ß', 'Я', 'я', 'ก', '世', '界', 0x10400, 0x1D400, '0', '7',
        '٣', '²', 'Ⅻ', ' ', ' ', ' ', '\t', '\n', '\r', 0x0B, 0x85, 0xA0, 0x2028, 0x3000, '\'', '\'', 's', 't', 'l', 'L',
        'S', 'r', 'e', 'v', 'm', 'd', 'D', '.', ',', '!', '?', '-', '_', '(', '$', '+', '<', '=', '~', '^', '`', '|',
        '€', '©', 0x0301, 0x093F, 0x1F600, 0x1F999, 0x200D, 0xFE0F, 0xE000, 0x0378, 0xFFFD, '，', '。', '！'};

    private static int[] randomText(Random random, int maxLength) {
        int[] cps = new int[random.nextInt(maxLength + 1)];
        for (int i = 0; i < cps.length; i++) {
            cps[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return cps;
    }

    private static List<String> words(PreTokenizer.Step step, int[] cps) {
        IntList in = new IntList(1);
        in.add(cps.length);
        IntList out = new IntList(8);
        if (cps.length > 0) {
            step.split(cps, cps.length, in, out);
        }
        List<String> words = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < out.size(); i++) {
            words.add(new String(cps, at, out.get(i)));
            at += out.get(i);
        }
        assertThat(at).isEqualTo(cps.length);
        return words;
    }

    private static void agree(PreTokenizer.Step expected, PreTokenizer.Step actual) {
        Random random = new Random(1234);
        for (int round = 0; round < 5000; round++) {
            int[] cps = randomText(random, 24);
            assertThat(words(actual, cps)).as("split of %s", TestData.show(new String(cps, 0, cps.length)))
                    .isEqualTo(words(expected, cps));
        }
    }

    @Test
    void llama3ScannerAgreesWithTheExpression() {
        agree(new PreTokenizer.RegexSplit(PreTokenizer.LLAMA3_REGEX),
                (cps, n, in, out) -> new PreTokenizer.Llama3Split().run(cps, in, out));
    }

    @Test
    void gpt2ScannerAgreesWithTheExpression() {
        agree(new PreTokenizer.RegexSplit(PreTokenizer.GPT2_REGEX),
                (cps, n, in, out) -> new PreTokenizer.Gpt2Split().run(cps, in, out));
    }

    @Test
    void setScannerAgreesWithTheExpression() {
        for (String regex : List.of("\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{3000}-\\x{3002}]+", "[\\x{4E00}-\\x{9FA5}a-z]+",
                "[\r\n]", "\\s?[A-Za-z\\x{C0}-\\x{D6}\\x{10400}-\\x{1044F}]+")) {
            PreTokenizer.Step scanner = PreTokenizer.SetRunSplit.of(regex);
            assertThat(scanner).as(regex).isNotNull();
            agree(new PreTokenizer.RegexSplit(regex), scanner);
        }
        assertThat(PreTokenizer.SetRunSplit.of("[\\p{P}\\$]+")).isNull();
        assertThat(PreTokenizer.SetRunSplit.of("[0-9][0-9][0-9]")).isNull();
        assertThat(PreTokenizer.SetRunSplit.of("[^\\n]+|[\\n]+")).isNull();
    }

    @Test
    void collapsedExpressionsSeeCategoriesOfNonAsciiCharacters() {
        PreTokenizer.Step digits = new PreTokenizer.RegexSplit("\\p{N}");
        assertThat(words(digits, "a٣²7b".codePoints().toArray())).containsExactly("a", "٣", "²", "7", "b");
        PreTokenizer.Step letters = new PreTokenizer.RegexSplit("\\s?\\p{L}+");
        assertThat(words(letters, "Я\u3000世界 ok".codePoints().toArray())).containsExactly("Я", "\u3000世界", " ok");
        assertThat(PreTokenizer.RegexSplit.translate("[^\\s\\p{L}]+|\\s+$", true))
                .isEqualTo("[^\\s\\x{D2}A-Za-z]+|\\s+\\z");
    }

    @Test
    void endOfTextAnchorIsTheVeryEnd() {
        // ECMAScript's $ matches only at the end; Java's would also match before a final newline
        PreTokenizer.Step trailing = new PreTokenizer.RegexSplit("\\s+$");
        assertThat(words(trailing, "a  \n".codePoints().toArray())).containsExactly("a", "  \n");
        assertThat(words(trailing, "a  b".codePoints().toArray())).containsExactly("a  b");
    }

    @Test
    void namesSelectTheirSplits() {
        int[] text = "Hello world 12345 😀".codePoints().toArray();
        List<String> llama3 = splitWith("llama-bpe", text);
        assertThat(llama3).containsExactly("Hello", " world", " ", "123", "45", " 😀");
        assertThat(splitWith("qwen2", text)).containsExactly("Hello", " world", " ", "1", "2", "3", "4", "5", " 😀");
        assertThat(splitWith("gpt-2", text)).containsExactly("Hello", " world", " 12345", " 😀");
        assertThat(splitWith("starcoder", text)).containsExactly("Hello", " world", " ", "1", "2", "3", "4", "5", " 😀");
        assertThat(PreTokenizer.forName("llama3").ignoresMerges()).isTrue();
        assertThat(PreTokenizer.forName("qwen2").ignoresMerges()).isFalse();
    }

    private static List<String> splitWith(String name, int[] cps) {
        IntList lengths = PreTokenizer.forName(name).split(cps, cps.length);
        List<String> words = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < lengths.size(); i++) {
            words.add(new String(cps, at, lengths.get(i)));
            at += lengths.get(i);
        }
        return words;
    }
}
