package dev.hearth.store.pull;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void parsesBearerChallenge() {
        AuthChallenge c = AuthChallenge.parse("Bearer realm=\"https://ollama.com/token\",service=\"ollama.com\","
                + "scope=\"repository:library/llama3:pull\"");
        assertThat(c.scheme()).isEqualTo("bearer");
        assertThat(c.param("realm")).isEqualTo("https://ollama.com/token");
        assertThat(c.param("service")).isEqualTo("ollama.com");
        assertThat(c.param("scope")).isEqualTo("repository:library/llama3:pull");
    }

    @Test
    void toleratesSpacingEscapesAndUnquotedValues() {
        AuthChallenge c = AuthChallenge.parse("bearer  Realm=https://h/t , service=\"a\\\"b,c\"");
        assertThat(c.param("realm")).isEqualTo("https://h/t");
        assertThat(c.param("service")).isEqualTo("a\"b,c");
        assertThat(AuthChallenge.parse("Basic realm=\"x\"").scheme()).isEqualTo("basic");
    }

    @Test
    void rejectsGarbage() {
        assertThat(AuthChallenge.parse(null)).isNull();
        assertThat(AuthChallenge.parse("")).isNull();
        assertThat(AuthChallenge.parse("Bearer realm=\"unterminated")).isNull();
        assertThat(AuthChallenge.parse("Bearer " + "x".repeat(10_000))).isNull();
        assertThat(AuthChallenge.parse("Bearer").params()).isEmpty();
    }
}
