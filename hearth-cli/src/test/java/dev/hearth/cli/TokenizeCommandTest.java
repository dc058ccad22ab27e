package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenizeCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;
    private InputStream savedIn;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        savedIn = System.in;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
        System.setIn(savedIn);
    }

    private static String vocab(String name) {
        return Path.of(System.getProperty("hearth.testdata"), "tokenizer", "ggml-vocab-" + name + ".gguf").toString();
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsTheIdsAsAJsonArray() {
        assertThat(Main.run("tokenize", "--model", vocab("llama-spm"), "Hello world")).isZero();
        assertThat(stdout()).isEqualTo("[15043, 3186]\n");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void bosOnlyWhenAsked() {
        assertThat(Main.run("tokenize", "--model", vocab("llama-spm"), "--bos", "Hello world")).isZero();
        assertThat(stdout()).isEqualTo("[1, 15043, 3186]\n");
    }

    @Test
    void specialTokenTextIsPlainTextUnlessAsked() {
        assertThat(Main.run("tokenize", "--model", vocab("llama3-bpe"), "<|eot_id|>")).isZero();
        assertThat(Main.run("tokenize", "--model", vocab("llama3-bpe"), "--special", "<|eot_id|>")).isZero();
        assertThat(stdout()).isEqualTo("[27, 91, 68, 354, 851, 91, 29]\n[128009]\n");
    }

    @Test
    void emptyTextGivesAnEmptyArray() {
        assertThat(Main.run("tokenize", "--model", vocab("llama3-bpe"), "")).isZero();
        assertThat(stdout()).isEqualTo("[]\n");
    }

    @Test
    void readsAllOfStandardInputIncludingNewlines() {
        System.setIn(new ByteArrayInputStream("Hello\n\nworld\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(Main.run("tokenize", "--model", vocab("llama3-bpe"), "--stdin")).isZero();
        // "Hello", "\n\n", "world", "\n"
        assertThat(stdout()).isEqualTo("[9906, 271, 14957, 198]\n");
    }

    @Test
    void errorsAreOneLineAndExitOne() {
        assertThat(Main.run("tokenize", "Hello")).isEqualTo(1);
        assertThat(Main.run("tokenize", "--model", vocab("llama3-bpe"))).isEqualTo(1);
        System.setIn(new ByteArrayInputStream(new byte[0]));
        assertThat(Main.run("tokenize", "--model", vocab("llama3-bpe"), "--stdin", "Hello")).isEqualTo(1);
        assertThat(Main.run("tokenize", "--model", "/nonexistent/model.gguf", "Hello")).isEqualTo(1);
        assertThat(stdout()).isEmpty();
        assertThat(stderr().lines().toList()).hasSize(4).allMatch(l -> l.startsWith("hearth: "));
        assertThat(stderr()).contains("--model").contains("--stdin").contains("/nonexistent/model.gguf");
    }
}
