package dev.hearth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HearthSettingsTest {

    private static final Path HOME = Path.of("/home/someone");

    private static HearthSettings settings(String... kv) {
        Map<String, String> env = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return new HearthSettings(env, HOME);
    }

    @Test
    void defaults() {
        HearthSettings s = settings();
        assertThat(s.models()).isEqualTo(HOME.resolve(".hearth/models"));
        assertThat(s.host()).isEqualTo(URI.create("http://127.0.0.1:11434"));
        assertThat(s.keepAlive()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.contextLength()).isEqualTo(4096);
        assertThat(s.maxQueue()).isEqualTo(512);
        assertThat(s.numParallel()).isEqualTo(1);
        assertThat(s.maxLoadedModels()).isEqualTo(1);
        assertThat(s.numThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(s.origins()).isEmpty();
        assertThat(s.apiKey()).isEmpty();
        assertThat(s.debug()).isFalse();
        assertThat(s.repackCache()).contains(HOME.resolve(".hearth/cache/repack"));
    }

    @Test
    void repackCacheCanMoveOrBeTurnedOff() {
        assertThat(settings("HEARTH_HOME", "/data/h").repackCache()).contains(Path.of("/data/h/cache/repack"));
        assertThat(settings("HEARTH_REPACK_CACHE", "/fast/disk").repackCache()).contains(Path.of("/fast/disk"));
        assertThat(settings("HEARTH_REPACK_CACHE", "~/rc").repackCache()).contains(HOME.resolve("rc"));
        for (String off : new String[] {"off", "OFF", "0", "false", "none"}) {
            assertThat(settings("HEARTH_REPACK_CACHE", off).repackCache()).isEmpty();
        }
    }

    @Test
    void modelsExpandsHomeAndIgnoresBlank() {
        assertThat(settings("HEARTH_MODELS", "~/store").models()).isEqualTo(HOME.resolve("store"));
        assertThat(settings("HEARTH_MODELS", "/data/models").models()).isEqualTo(Path.of("/data/models"));
        assertThat(settings("HEARTH_MODELS", "  ").models()).isEqualTo(HOME.resolve(".hearth/models"));
    }

    @Test
    void hearthHomeHoldsModelsAndConversationsUnlessTheyAreSet() {
        assertThat(settings().hearthHome()).isEqualTo(HOME.resolve(".hearth"));
        assertThat(settings().conversations()).isEqualTo(HOME.resolve(".hearth/conversations"));
        HearthSettings s = settings("HEARTH_HOME", "~/h");
        assertThat(s.models()).isEqualTo(HOME.resolve("h/models"));
        assertThat(s.conversations()).isEqualTo(HOME.resolve("h/conversations"));
        HearthSettings own = settings("HEARTH_HOME", "/h", "HEARTH_MODELS", "/m", "HEARTH_CONVERSATIONS", "/c");
        assertThat(own.models()).isEqualTo(Path.of("/m"));
        assertThat(own.conversations()).isEqualTo(Path.of("/c"));
    }

    @Test
    void hostForms() {
        assertThat(settings("HEARTH_HOST", "0.0.0.0").host()).isEqualTo(URI.create("http://0.0.0.0:11434"));
        assertThat(settings("HEARTH_HOST", ":8080").host()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(settings("HEARTH_HOST", "https://example.com").host()).isEqualTo(URI.create("https://example.com:443"));
        assertThat(settings("HEARTH_HOST", "http://localhost:99/").host()).isEqualTo(URI.create("http://localhost:99"));
        assertThat(settings("HEARTH_HOST", "[::1]:5000").host().getPort()).isEqualTo(5000);
        assertThatThrownBy(() -> settings("HEARTH_HOST", "host:notaport").host())
                .hasMessageContaining("HEARTH_HOST=host:notaport is invalid");
        assertThatThrownBy(() -> settings("HEARTH_HOST", "host:70000").host()).hasMessageContaining("port");
        assertThatThrownBy(() -> settings("HEARTH_HOST", "ftp://x").host()).hasMessageContaining("HEARTH_HOST");
        assertThatThrownBy(() -> settings("HEARTH_HOST", "x/y:1").host()).hasMessageContaining("HEARTH_HOST");
    }

    @Test
    void keepAliveDurations() {
        assertThat(settings("HEARTH_KEEP_ALIVE", "30s").keepAlive()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings("HEARTH_KEEP_ALIVE", "1h30m").keepAlive()).isEqualTo(Duration.ofMinutes(90));
        assertThat(settings("HEARTH_KEEP_ALIVE", "300").keepAlive()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings("HEARTH_KEEP_ALIVE", "1.5h").keepAlive()).isEqualTo(Duration.ofMinutes(90));
        assertThat(settings("HEARTH_KEEP_ALIVE", "0").keepAlive()).isEqualTo(Duration.ZERO);
        assertThat(settings("HEARTH_KEEP_ALIVE", "-1").keepAlive()).isEqualTo(HearthSettings.KEEP_ALIVE_FOREVER);
        assertThat(settings("HEARTH_KEEP_ALIVE", "-5m").keepAlive()).isEqualTo(HearthSettings.KEEP_ALIVE_FOREVER);
        assertThatThrownBy(() -> settings("HEARTH_KEEP_ALIVE", "5 minutes").keepAlive())
                .hasMessageContaining("HEARTH_KEEP_ALIVE=5 minutes is invalid");
        assertThatThrownBy(() -> settings("HEARTH_KEEP_ALIVE", "m").keepAlive()).hasMessageContaining("duration");
        assertThatThrownBy(() -> settings("HEARTH_KEEP_ALIVE", "99999999999999h").keepAlive())
                .hasMessageContaining("HEARTH_KEEP_ALIVE");
    }

    @Test
    void numbersAreRangeChecked() {
        assertThat(settings("HEARTH_NUM_PARALLEL", "4").numParallel()).isEqualTo(4);
        assertThat(settings("HEARTH_NUM_THREADS", "3").numThreads()).isEqualTo(3);
        assertThatThrownBy(() -> settings("HEARTH_NUM_PARALLEL", "0").numParallel())
                .hasMessage("HEARTH_NUM_PARALLEL=0 is invalid: expected a whole number between 1 and 1024");
        assertThatThrownBy(() -> settings("HEARTH_CONTEXT_LENGTH", "lots").contextLength())
                .hasMessageContaining("HEARTH_CONTEXT_LENGTH=lots");
        assertThatThrownBy(() -> settings("HEARTH_MAX_QUEUE", "99999999999999999999").maxQueue())
                .hasMessageContaining("HEARTH_MAX_QUEUE");
    }

    @Test
    void malformedSettingOnlyFailsWhenUsed() {
        HearthSettings s = settings("HEARTH_NUM_PARALLEL", "many", "HEARTH_MODELS", "/m");
        assertThat(s.models()).isEqualTo(Path.of("/m"));
        assertThatThrownBy(s::numParallel).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void originsApiKeyDebugAndWith() {
        HearthSettings s = settings("HEARTH_ORIGINS", "http://a, ,https://b", "HEARTH_API_KEY", "k", "HEARTH_DEBUG", "1");
        assertThat(s.origins()).containsExactly("http://a", "https://b");
        assertThat(s.apiKey()).contains("k");
        assertThat(s.debug()).isTrue();
        assertThat(s.with("HEARTH_DEBUG", "false").debug()).isFalse();
        assertThat(HearthSettings.ALL).extracting(HearthSettings.Setting::name).contains("HEARTH_MODELS", "HEARTH_HOST");
    }
}
