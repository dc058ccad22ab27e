package dev.hearth.cli;

import dev.hearth.gguf.GgufFile;
import dev.hearth.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hearth tokenize}: prints the token ids of a text as one JSON array, {@code [1, 15043, 3186]} (ids
 * separated by a comma and a space), followed by a newline.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the token ids of TEXT as a JSON array, e.g. [1, 15043].",
                "Without --bos no BOS is added; without --special, special-token text is plain text."})
public final class TokenizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    // checked in call() rather than by picocli, so that a missing option is a one-line error like any other
    @Option(names = "--model", paramLabel = "FILE", description = "GGUF model or vocabulary file")
    Path model;

    @Option(names = "--bos", description = "add BOS (and the other tokens the model wraps its input in)")
    boolean bos;

    @Option(names = "--special", description = "turn the text of special tokens, such as <|eot_id|>, into those tokens")
    boolean special;

    @Option(names = "--stdin", description = "read the text from standard input: all of it, newlines included (UTF-8)")
    boolean stdin;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "the text (or use --stdin)")
    String text;

    @Override
    public Integer call() throws IOException {
        if (model == null) {
            throw new IllegalArgumentException("tokenize needs --model FILE");
        }
        if (stdin == (text != null)) {
            throw new IllegalArgumentException(stdin
                    ? "tokenize takes the text either as an argument or with --stdin, not both"
                    : "tokenize needs the text: give it as an argument or use --stdin");
        }
        String input = stdin ? readStdin() : text;
        int[] ids;
        try (GgufFile file = GgufFile.open(model)) {
            ids = Tokenizer.fromGguf(file).encode(input, bos, special);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(toJsonArray(ids));
        out.flush();
        return 0;
    }

    static String toJsonArray(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length * 7 + 2).append('[');
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(ids[i]);
        }
        return sb.append(']').toString();
    }

    /** All of standard input as UTF-8; malformed bytes become U+FFFD. */
    private static String readStdin() throws IOException {
        byte[] bytes = System.in.readAllBytes();
        return StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes)).toString();
    }
}
