package dev.hearth.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, not a timed test: tokenizes 1 MB inputs and prints the time (best of two runs),
 * asserting only that the result is right. Shared CI machines are too noisy for time limits.
 */
@Tag("slow")
class TokenizerThroughputTest {

    private static Map<String, String> inputs() throws Exception {
        String base = Files.readString(TestData.root().resolve("tokenizer/ggml-vocab-llama-spm.gguf.inp"))
                .replace("__ggml_vocab_test__", "");
        StringBuilder mixed = new StringBuilder(1_100_000);
        while (mixed.length() < 1_000_000) {
            mixed.append(base);
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("mixed text", mixed.toString());
        m.put("one word of 1M 'a'", "a".repeat(1_000_000));
        m.put("1M spaces", " ".repeat(1_000_000));
        m.put("1M digits", "7".repeat(1_000_000));
        return m;
    }

    @Test
    void tokenizeOneMegabyte() throws Exception {
        Map<String, String> inputs = inputs();
        // SentencePiece; BPE with a hand-written pre-tokenizer; BPE whose pre-tokenizer runs on java.util.regex
        for (String vocab : new String[] {"llama-spm", "llama3-bpe", "deepseek-llm"}) {
            Tokenizer tok = TestData.vocabTokenizer(vocab);
            for (var e : inputs.entrySet()) {
                String text = e.getValue();
                int[] ids = null;
                long bestWall = Long.MAX_VALUE, bestCpu = Long.MAX_VALUE;
                var threads = java.lang.management.ManagementFactory.getThreadMXBean();
                for (int run = 0; run < 2; run++) {
                    long c0 = threads.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    ids = tok.encode(text, false, false);
                    bestWall = Math.min(bestWall, System.nanoTime() - t0);
                    bestCpu = Math.min(bestCpu, threads.getCurrentThreadCpuTime() - c0);
                }
                // CPU time is the better figure on a busy machine; wall time includes waiting for a core
                System.out.printf("tokenize %-12s %-20s %,9d chars -> %,9d tokens in %6.1f ms (CPU %6.1f ms)%n", vocab,
                        e.getKey(), text.length(), ids.length, bestWall / 1e6, bestCpu / 1e6);
                assertThat(tok.decode(ids)).isEqualTo(text);
            }
        }
    }
}
