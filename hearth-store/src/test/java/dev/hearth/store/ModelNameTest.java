package dev.hearth.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelNameTest {

    @ParameterizedTest
    @CsvSource({
        "llama3.2,                         registry.ollama.ai, library,   llama3.2, latest",
        "llama3.2:1b,                      registry.ollama.ai, library,   llama3.2, 1b",
        "me/mine:v1,                       registry.ollama.ai, me,        mine,     v1",
        "example.com/me/mine,              example.com,        me,        mine,     latest",
        "127.0.0.1:8080/library/tiny:q8,   127.0.0.1:8080,     library,   tiny,     q8",
        "localhost:5000/a/b,               localhost:5000,     a,         b,        latest",
        "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M, hf.co, bartowski, Llama-3.2-1B-Instruct-GGUF, Q4_K_M",
        "https://hf.co/u/r:Q8_0,           hf.co,              u,         r,        Q8_0",
        "http://127.0.0.1:1/x/y:z,         127.0.0.1:1,        x,         y,        z",
        "_x/_y:_z,                         registry.ollama.ai, _x,        _y,       _z",
    })
    void parsesWithDefaults(String text, String host, String ns, String model, String tag) {
        ModelName n = ModelName.parse(text);
        assertThat(n).isEqualTo(new ModelName(host, ns, model, tag));
        assertThat(ModelName.parse(n.toString())).isEqualTo(n);
        assertThat(ModelName.parse(n.displayShortest())).isEqualTo(n);
    }

    @Test
    void displayShortestOmitsDefaults() {
        assertThat(ModelName.parse("llama3.2").displayShortest()).isEqualTo("llama3.2:latest");
        assertThat(ModelName.parse("me/m").displayShortest()).isEqualTo("me/m:latest");
        assertThat(ModelName.parse("hf.co/library/m").displayShortest()).isEqualTo("hf.co/library/m:latest");
        assertThat(ModelName.parse("llama3.2").toString()).isEqualTo("registry.ollama.ai/library/llama3.2:latest");
        assertThat(ModelName.parse("a/b/c:d").pathParts()).containsExactly("a", "b", "c", "d");
        assertThat(ModelName.parse("a/b/c:d").repository()).isEqualTo("b/c");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", ":", "a:", ":tag", "/a", "a/", "a//b", "a/b/c/d", "../x", "..", "x/..", "a/../b", "a..b",
        "x:..", "h..h/n/m", "a/b\\c", "a b", "a\tb", "a\u0000b", "-a", ".a", "a/.b/c", "a/b/-c", "a/n.s/m",
        "a:b:c/d", "a:t/g", "mo del", "m@x", "m%2fx", "ümlaut", "a:/b", "http://", "https://a/b/c/d"
    })
    void rejectsInvalidNames(String text) {
        assertThatThrownBy(() -> ModelName.parse(text))
                .isInstanceOf(InvalidModelNameException.class)
                .hasMessageStartingWith("invalid model name");
    }

    @Test
    void rejectsOverLongParts() {
        String p80 = "m".repeat(80);
        assertThat(ModelName.parse(p80).model()).hasSize(80);
        assertThatThrownBy(() -> ModelName.parse("m".repeat(81)))
                .hasMessageContaining("the model is longer than 80 characters");
        assertThatThrownBy(() -> ModelName.parse("m:" + "t".repeat(81)))
                .hasMessageContaining("the tag is longer than 80");
        assertThatThrownBy(() -> ModelName.parse("n".repeat(81) + "/m"))
                .hasMessageContaining("the namespace is longer than 80");
        assertThatThrownBy(() -> ModelName.parse("h".repeat(351) + "/n/m"))
                .hasMessageContaining("the host is longer than 350");
        assertThatThrownBy(() -> ModelName.parse("x".repeat(100_000)))
                .hasMessageContaining("too long");
    }

    @Test
    void messagesNameTheProblem() {
        assertThatThrownBy(() -> ModelName.parse("a/b\\c")).hasMessageContaining("a path separator");
        assertThatThrownBy(() -> ModelName.parse("x/../y")).hasMessageContaining("\"..\"");
        assertThatThrownBy(() -> ModelName.parse("a\nb")).hasMessageContaining("\\u000a");
        assertThatThrownBy(() -> new ModelName("h", "n", "m", "t/x")).isInstanceOf(InvalidModelNameException.class);
    }

    @Test
    void plainHttpIsDetected() {
        assertThat(ModelName.requestsPlainHttp("http://h/n/m")).isTrue();
        assertThat(ModelName.requestsPlainHttp("https://h/n/m")).isFalse();
        assertThat(ModelName.requestsPlainHttp("h/n/m")).isFalse();
    }

    @Test
    void caseInsensitiveEquality() {
        assertThat(ModelName.parse("HF.co/U/Repo:Q4_K_M").equalsIgnoreCase(ModelName.parse("hf.co/u/repo:q4_k_m"))).isTrue();
        assertThat(ModelName.parse("a:b").equalsIgnoreCase(ModelName.parse("a:c"))).isFalse();
    }
}
