package dev.hearth.tokenizer;

import dev.hearth.gguf.GgufFile;

/**
 * Text to token ids and back, built from a GGUF file's {@code tokenizer.*} metadata, with llama.cpp's
 * semantics ({@code llama-vocab.cpp}): SentencePiece ({@code tokenizer.ggml.model = "llama"}), byte-level
 * BPE ({@code "gpt2"}, words split by the pre-tokenizer named in {@code tokenizer.ggml.pre}) and WordPiece
 * ({@code "bert"}).
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public interface Tokenizer {

    /**
     * Builds the tokenizer described by the file's metadata.
     *
     * @throws dev.hearth.gguf.GgufException when the metadata is missing, malformed, or names a tokenizer model
     *     other than llama, gpt2 and bert
     */
    static Tokenizer fromGguf(GgufFile file) {
        Vocabulary vocab = Vocabulary.load(file);
        return switch (vocab.kind) {
            case SPM -> new SentencePieceTokenizer(vocab);
            case BPE -> new BytePairTokenizer(vocab, file);
            case WPM -> new WordPieceTokenizer(vocab);
        };
    }

    /**
     * Tokenizes {@code text}.
     *
     * @param addBos when true, wraps the tokens the way the model expects input to be wrapped: BOS first if the
     *     vocabulary has one, EOS last if {@code tokenizer.ggml.add_eos_token} says so, and for WordPiece the
     *     separator last ({@code [CLS] ... [SEP]}). Callers usually pass {@link #addBosByDefault()}.
     * @param parseSpecial when true, the text of control tokens (such as {@code <|eot_id|>}) becomes those tokens;
     *     when false it is tokenized as plain text, so user input can never produce a control token. Added
     *     (user-defined) tokens are matched in both cases, as Hugging Face tokenizers do.
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /** Whether the model wants BOS added ({@code tokenizer.ggml.add_bos_token}; llama.cpp's default otherwise). */
    boolean addBosByDefault();

    int vocabSize();

    /** The BOS (for WordPiece: CLS) id, or -1. */
    int bosId();

    /** The EOS id, or -1. */
    int eosId();

    /**
     * True for the tokens that end generation: EOS, EOT, EOM, and (as llama.cpp's {@code llama_vocab_is_eog})
     * tokens whose text marks the end of a turn in common chat formats, such as {@code <|eot_id|>},
     * {@code <|im_end|>}, {@code <end_of_turn>} and {@code <|end|>}.
     */
    boolean isEndOfGeneration(int id);

    /** True for control tokens (BOS, EOS, chat-format markers...), which detokenize to nothing. */
    boolean isControl(int id);

    /** The piece as stored in the vocabulary (e.g. {@code "▁Hello"} or {@code "ĠHello"}). */
    String tokenText(int id);

    /**
     * The bytes this token contributes to the output text: control and unknown tokens contribute nothing.
     * The bytes of one token can be an incomplete UTF-8 sequence (byte tokens, byte-level BPE pieces); use
     * {@link #newStreamingDecoder()} to turn a stream of ids into text.
     */
    default byte[] decodeBytes(int id) {
        return decodeBytes(id, false);
    }

    /** As {@link #decodeBytes(int)}; with {@code special} true, control and unknown tokens give their text. */
    byte[] decodeBytes(int id, boolean special);

    /**
     * A decoder for generated tokens: feed ids one at a time and get back only complete UTF-8 text, never half
     * a character. Not thread-safe; use one per stream.
     */
    StreamingDecoder newStreamingDecoder();

    /**
     * The text of a whole token sequence, as {@link #decodeBytes(int)} of each token decoded as UTF-8 (malformed
     * bytes become U+FFFD). For SentencePiece models that add a space prefix when encoding, the space that
     * prefix produced at the start (after an optional BOS) is removed again, so that
     * {@code decode(encode(s, ...)) } gives back {@code s} for ordinary text.
     */
    String decode(int[] ids);
}
