package dev.hearth.store.modelfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelfileTest {

    @Test
    void parsesEveryInstruction() {
        Modelfile m = Modelfile.parse("""
                # a comment
                FROM ./tiny.gguf
                parameter temperature 0.7
                PARAMETER num_ctx 4096
                PARAMETER stop "<|im_end|>"
                PARAMETER stop <|user|>
                PARAMETER use_mmap true
                TEMPLATE \"\"\"{{ if .System }}<|system|>
                {{ .System }}{{ end }}\"\"\"
                SYSTEM You are "Mario" from Super Mario Bros.
                MESSAGE user Is Toronto in Canada?
                MESSAGE assistant "yes, \\"it\\" is"
                LICENSE \"\"\"MIT
                licence\"\"\"
                LICENSE Apache-2.0
                """);
        assertThat(m.from()).isEqualTo("./tiny.gguf");
        assertThat(m.parameters()).containsExactly(Map.entry("temperature", 0.7), Map.entry("num_ctx", 4096),
                Map.entry("stop", List.of("<|im_end|>", "<|user|>")), Map.entry("use_mmap", true));
        assertThat(m.template()).isEqualTo("{{ if .System }}<|system|>\n{{ .System }}{{ end }}");
        assertThat(m.system()).isEqualTo("You are \"Mario\" from Super Mario Bros.");
        assertThat(m.messages()).containsExactly(new ChatMessage("user", "Is Toronto in Canada?"),
                new ChatMessage("assistant", "yes, \"it\" is"));
        assertThat(m.licenses()).containsExactly("MIT\nlicence", "Apache-2.0");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void renderRoundTrips() {
        Modelfile m = new Modelfile("/models/x.gguf", "  leading space\nand \"quotes\"", "ends with a quote\"",
                Map.of("stop", List.of("a b", "\"\"\""), "top_k", 40), List.of(new ChatMessage("user", "# not a comment")),
                List.of(""), List.of());
        assertThat(Modelfile.parse(m.render())).isEqualTo(m);
        assertThat(Modelfile.quote("plain")).isEqualTo("plain");
        assertThat(Modelfile.quote("two\nlines")).isEqualTo("\"\"\"two\nlines\"\"\"");
    }

    @Test
    void errorsNameTheLine() {
        assertThatThrownBy(() -> Modelfile.parse("PARAMETER temperature 1")).hasMessageContaining("no FROM line");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\n\nFROB x"))
                .hasMessage("Modelfile line 3: unknown instruction FROB (expected FROM, PARAMETER, TEMPLATE, SYSTEM, MESSAGE or LICENSE)");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\nPARAMETER temprature 1"))
                .hasMessageContaining("line 2: unknown parameter 'temprature'");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\nPARAMETER num_ctx big"))
                .hasMessageContaining("num_ctx must be a whole number");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\nPARAMETER temperature NaN"))
                .hasMessageContaining("temperature must be a number");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\nMESSAGE robot hi")).hasMessageContaining("line 2: MESSAGE role");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\nTEMPLATE \"\"\"never closed"))
                .hasMessageContaining("line 2: TEMPLATE: the \"\"\" that starts here is never closed");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\nSYSTEM \"x\" trailing")).hasMessageContaining("unexpected text");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\nFROM b")).hasMessageContaining("a second FROM");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\nADAPTER x.gguf")).hasMessageContaining("not supported");
        assertThatThrownBy(() -> Modelfile.parse("FROM")).hasMessageContaining("FROM needs a value");
        assertThatThrownBy(() -> Modelfile.parse("FROM a\n=x")).hasMessageContaining("line 2: expected an instruction");
        assertThatThrownBy(() -> Modelfile.parse("x".repeat(Modelfile.MAX_CHARS + 1))).hasMessageContaining("larger");
    }

    @Test
    void deprecatedParametersWarn() {
        Modelfile m = Modelfile.parse("\uFEFFFROM a\r\nPARAMETER mirostat 1\r\n");
        assertThat(m.from()).isEqualTo("a");
        assertThat(m.parameters()).isEmpty();
        assertThat(m.warnings()).containsExactly("parameter mirostat is deprecated and ignored");
    }

    @Test
    void paramsLayerJsonRoundTrips() {
        Map<String, Object> p = new java.util.LinkedHashMap<>();
        ModelParameters.put(p, "stop", "<|im_end|>");
        ModelParameters.put(p, "temperature", "1");
        ModelParameters.put(p, "num_ctx", "8192");
        assertThat(ModelParameters.fromJson(ModelParameters.toJson(p))).isEqualTo(p);
        assertThat(ModelParameters.toJson(p).toString()).isEqualTo("{\"stop\":[\"<|im_end|>\"],\"temperature\":1.0,\"num_ctx\":8192}");
        // a future key is kept; a known key of the wrong type is an error
        var json = dev.hearth.store.Json.mapper().readTree("{\"num_ctx\":2048,\"future\":\"x\",\"stop\":\"one\"}");
        assertThat(ModelParameters.fromJson(json)).containsEntry("future", "x").containsEntry("stop", List.of("one"));
        assertThatThrownBy(() -> ModelParameters.fromJson(dev.hearth.store.Json.mapper().readTree("{\"num_ctx\":\"big\"}")))
                .hasMessageContaining("wrong type");
    }
}
