package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hearth.config.HearthSettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearth run}: one-shot and piped use in-process, and the interactive chat in a real terminal (tmux)
 * with its slash commands, multi-line input, Ctrl+C and Ctrl+D.
 */
class RunCommandTest {
    private static final Path DATA = Path.of(System.getProperty("hearth.testdata", "../testdata"));

    @TempDir
    Path dir;

    HearthSettings settings;

    @BeforeEach
    void createModel() throws IOException {
        // Port 9 (discard) on loopback: nothing listens, so run starts its own private server.
        settings = new HearthSettings(Map.of(HearthSettings.MODELS, dir.resolve("models").toString(),
                HearthSettings.HOST, "127.0.0.1:9"), dir);
        Path modelfile = dir.resolve("Modelfile");
        Files.writeString(modelfile, "FROM " + DATA.resolve("models/qwen2-Q8_0.gguf").toAbsolutePath()
                + "\nPARAMETER temperature 0\nPARAMETER num_predict 8\nSYSTEM You are terse.\n");
        ModelCommandsTest.Result created = ModelCommandsTest.hearth(settings, "create", "tiny", "-f", modelfile.toString());
        assertThat(created.exitCode()).as(created.err()).isZero();
    }

    private ModelCommandsTest.Result runWithStdin(String stdin, String... args) {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            return ModelCommandsTest.hearth(settings, args);
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void oneShotPrintsOnlyTheAnswer() {
        ModelCommandsTest.Result r = runWithStdin("", "run", "tiny", "Why", "is", "the", "sky", "blue?");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).endsWith("\n").isNotBlank().doesNotContain("Chatting", ">>>");
        // Greedy (temperature 0 from the Modelfile): the same answer again.
        assertThat(runWithStdin("", "run", "tiny", "Why", "is", "the", "sky", "blue?").out()).isEqualTo(r.out());
    }

    @Test
    void pipedInputIsPartOfThePrompt() {
        ModelCommandsTest.Result plain = runWithStdin("", "run", "tiny", "summarize");
        ModelCommandsTest.Result piped = runWithStdin("Notes: the meeting moved to Tuesday.\n", "run", "tiny", "summarize");
        assertThat(piped.exitCode()).as(piped.err()).isZero();
        assertThat(piped.out()).isNotBlank().isNotEqualTo(plain.out());
    }

    @Test
    void unknownModelIsAOneLineError() {
        // Not installed, so run tries to pull it: from a registry that is not there (nothing listens on port 9).
        ModelCommandsTest.Result r = runWithStdin("", "run", "--insecure", "127.0.0.1:9/library/no-such-model", "hi");
        ModelCommandsTest.assertFailsWithOneLine(r, "127.0.0.1:9");
    }

    /** The interactive chat in tmux: a real terminal, keys typed, the screen read back. */
    @Test
    @Tag("slow")
    void interactiveChatInARealTerminal() throws Exception {
        assumeTrue(new ProcessBuilder("tmux", "-V").start().waitFor() == 0, "tmux is not installed");
        String session = "hearth-test-" + ProcessHandle.current().pid();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "tiny");
        String shell = "HEARTH_MODELS=" + quote(dir.resolve("models").toString()) + " HEARTH_HOST=127.0.0.1:9 "
                + String.join(" ", command.stream().map(RunCommandTest::quote).toList()) + "; echo EXIT=$?; sleep 60";
        Path script = dir.resolve("chat.sh"); // the class path is too long for a tmux command line
        Files.writeString(script, shell + "\n");
        tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", "bash " + quote(script.toString()));
        try {
            awaitScreen(session, s -> s.contains(">>>"), 60);
            type(session, "/set parameter num_predict 6");
            type(session, "Hello there");
            awaitScreen(session, s -> s.strip().endsWith(">>>") && s.split(">>>", -1).length >= 4, 60);
            type(session, "/show system");
            awaitScreen(session, s -> s.contains("You are terse."), 10);
            type(session, "/show info");
            awaitScreen(session, s -> s.contains("architecture") && s.contains("qwen2"), 10);
            type(session, "/set system \"\"\"");
            type(session, "You are a pirate.");
            type(session, "Answer in rhyme.\"\"\"");
            type(session, "/show system");
            awaitScreen(session, s -> s.contains("You are a pirate.\nAnswer in rhyme.\n>>>"), 10);
            type(session, "/show parameters");
            awaitScreen(session, s -> s.contains("User defined parameters:") && s.contains("num_predict"), 10);
            tmux("send-keys", "-t", session, "\"\"\"first line", "Enter");
            tmux("send-keys", "-t", session, "second line\"\"\"", "Enter");
            awaitScreen(session, s -> s.contains("... second line"), 10);
            // A long answer, stopped with Ctrl+C: the chat goes on.
            type(session, "/set parameter num_predict 5000");
            type(session, "Tell me a long story");
            Thread.sleep(1500);
            tmux("send-keys", "-t", session, "C-c");
            awaitScreen(session, s -> s.contains("(stopped)"), 30);
            type(session, "/?");
            awaitScreen(session, s -> s.contains("/save NAME"), 10);
            tmux("send-keys", "-t", session, "C-d");
            awaitScreen(session, s -> s.contains("EXIT=0"), 20);
        } finally {
            new ProcessBuilder("tmux", "kill-session", "-t", session).start().waitFor();
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void type(String session, String line) throws Exception {
        tmux("send-keys", "-t", session, "-l", line);
        tmux("send-keys", "-t", session, "Enter");
    }

    private static String tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("tmux");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static String awaitScreen(String session, Predicate<String> condition, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = tmux("capture-pane", "-t", session, "-p", "-S", "-200");
            if (condition.test(screen)) {
                return screen;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the terminal never showed what was expected; screen:\n" + screen);
    }
}
