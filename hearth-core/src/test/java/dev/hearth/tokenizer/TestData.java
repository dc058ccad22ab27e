package dev.hearth.tokenizer;

import dev.hearth.gguf.GgufFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The golden files under testdata/ (system property hearth.testdata) and tokenizers built from them, cached. */
final class TestData {
    private TestData() {}

    private static final Map<Path, Tokenizer> CACHE = new ConcurrentHashMap<>();

    static Path root() {
        String dir = System.getProperty("hearth.testdata");
        if (dir == null) {
            throw new IllegalStateException("system property hearth.testdata is not set (surefire sets it)");
        }
        return Path.of(dir);
    }

    static Path vocab(String name) {
        return root().resolve("tokenizer").resolve("ggml-vocab-" + name + ".gguf");
    }

    static Path model(String name) {
        return root().resolve("models").resolve(name + ".gguf");
    }

    static Tokenizer tokenizer(Path gguf) {
        return CACHE.computeIfAbsent(gguf, p -> {
            try (GgufFile file = GgufFile.open(p)) {
                return Tokenizer.fromGguf(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Tokenizer vocabTokenizer(String name) {
        return tokenizer(vocab(name));
    }

    /** One test string of a vocabulary's .inp file with the ids of the matching .out line. */
    record Case(int index, String text, int[] ids) {}

    /**
     * Reads {@code <gguf>.inp}/{@code .out} exactly as llama.cpp's test-tokenizer-0 does: the .inp file is cut at
     * every {@code "\n__ggml_vocab_test__\n"} (so a test string keeps its own trailing newlines, and the separator
     * after the last string leaves nothing behind), each .out line holds the space-separated ids.
     */
    static List<Case> cases(Path gguf) throws IOException {
        String raw = Files.readString(Path.of(gguf + ".inp"));
        List<String> out = Files.readAllLines(Path.of(gguf + ".out"));
        String sep = "\n__ggml_vocab_test__\n";
        List<String> texts = new ArrayList<>();
        for (int pos = 0; pos < raw.length(); ) {
            int next = raw.indexOf(sep, pos);
            if (next < 0) {
                texts.add(raw.substring(pos));
                break;
            }
            texts.add(raw.substring(pos, next));
            pos = next + sep.length();
        }
        if (texts.size() != out.size()) {
            throw new IllegalStateException(gguf + ": " + texts.size() + " test strings but " + out.size() + " id lines");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = out.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0]
                    : java.util.Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(i, texts.get(i), ids));
        }
        return cases;
    }

    /** A readable one-line rendering of a test string for test names. */
    static String show(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().limit(40).forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> b.appendCodePoint(c);
            }
        });
        return b.append(s.codePointCount(0, s.length()) > 40 ? "...\"" : "\"").toString();
    }
}
