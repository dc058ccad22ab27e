package dev.hearth.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {
    private final List<String> emitted = new ArrayList<>();
    private final GenerationListener listener = new GenerationListener() {
        @Override
        public void onText(String text) {
            emitted.add(text);
        }
    };

    @Test
    void stopStringSpanningPiecesIsNeverEmitted() {
        StopStrings s = new StopStrings(List.of("<|end|>"), listener);
        assertThat(s.append("Hello <|")).isFalse();
        assertThat(s.append("en")).isFalse();
        assertThat(s.append("d|> more")).isTrue();
        assertThat(String.join("", emitted)).isEqualTo("Hello ");
        assertThat(s.text()).isEqualTo("Hello ");
    }

    @Test
    void heldBackPrefixIsReleasedWhenItStopsMatching() {
        StopStrings s = new StopStrings(List.of("STOP"), listener);
        s.append("abc ST");
        assertThat(String.join("", emitted)).isEqualTo("abc ");
        s.append("ART");
        assertThat(String.join("", emitted)).isEqualTo("abc START");
    }

    @Test
    void earliestOfSeveralStops() {
        StopStrings s = new StopStrings(List.of("zz", "b"), listener);
        assertThat(s.append("a b zz")).isTrue();
        assertThat(s.text()).isEqualTo("a ");
    }

    @Test
    void flushReleasesPendingText() {
        StopStrings s = new StopStrings(List.of("xyz"), listener);
        s.append("abx");
        s.flush();
        assertThat(s.text()).isEqualTo("abx");
    }

    @Test
    void noStopsStreamsEverything() {
        StopStrings s = new StopStrings(List.of(), listener);
        s.append("a");
        s.append("b");
        assertThat(emitted).containsExactly("a", "b");
    }
}
