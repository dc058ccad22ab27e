package dev.hearth.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What the three tokenizer models share: special-token splitting, BOS/EOS wrapping, token attributes and
 * detokenization. Subclasses tokenize one stretch of plain text.
 */
abstract sealed class AbstractTokenizer implements Tokenizer
        permits SentencePieceTokenizer, BytePairTokenizer, WordPieceTokenizer {

    static final byte[] EMPTY = new byte[0];

    final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    /** What each token detokenizes to (control and unknown tokens: nothing). */
    private final byte[][] pieces;

    AbstractTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = piece(id);
        }
    }

    /**
     * Tokenizes plain text {@code text[start, end)} (never empty), appending ids to {@code out}.
     * {@code afterSpecial} is true at the start of the input and right after a special token.
     */
    abstract void encodePlain(String text, int start, int end, boolean afterSpecial, IntList out);

    /** The bytes a normal (not control, user-defined or byte) token stands for. */
    abstract byte[] normalPiece(int id);

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList(text.length() / 3 + 8);
        if (addBos && vocab.bos >= 0) {
            out.add(vocab.bos);
        }
        IntList fragments = new IntList(12);
        splitter.split(text, parseSpecial, fragments);
        boolean afterSpecial = true;
        for (int f = 0; f < fragments.size(); f += 3) {
            int token = fragments.get(f);
            if (token >= 0) {
                out.add(token);
                afterSpecial = true;
            } else {
                encodePlain(text, fragments.get(f + 1), fragments.get(f + 2), afterSpecial, out);
                afterSpecial = false;
            }
        }
        if (addBos) {
            if (vocab.addEos && vocab.eos >= 0) {
                out.add(vocab.eos);
            }
            if (vocab.kind == Vocabulary.Kind.WPM && vocab.addSep && vocab.sep >= 0) {
                out.add(vocab.sep);
            }
        }
        return out.toArray();
    }

    @Override
    public boolean addBosByDefault() {
        return vocab.addBos && vocab.bos >= 0;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int bosId() {
        return vocab.bos;
    }

    @Override
    public int eosId() {
        return vocab.eos;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return vocab.isEog(id);
    }

    @Override
    public boolean isControl(int id) {
        return (vocab.attrs[checkId(id)] & Vocabulary.ATTR_CONTROL) != 0;
    }

    @Override
    public String tokenText(int id) {
        return vocab.texts[checkId(id)];
    }

    @Override
    public byte[] decodeBytes(int id, boolean special) {
        checkId(id);
        if (special && (vocab.attrs[id] & (Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_UNKNOWN)) != 0) {
            return vocab.utf8[id].clone();
        }
        return pieces[id].clone();
    }

    /** The cached piece, not copied: for use inside the package only. */
    byte[] pieceView(int id) {
        return pieces[checkId(id)];
    }

    @Override
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean stripSpace = vocab.kind == Vocabulary.Kind.SPM && vocab.addSpacePrefix;
        for (int i = 0; i < ids.length; i++) {
            byte[] p = pieceView(ids[i]);
            if (stripSpace && i == 0 && ids[i] == vocab.bos) {
                continue; // the prefix space sits on the first token after BOS
            }
            int from = stripSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            stripSpace = false;
            out.write(p, from, p.length - from);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private int checkId(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (vocab.size() - 1) + ")");
        }
        return id;
    }

    private byte[] piece(int id) {
        int attr = vocab.attrs[id];
        if ((attr & (Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_UNKNOWN)) != 0) {
            return EMPTY;
        }
        if ((attr & Vocabulary.ATTR_USER_DEFINED) != 0) {
            return vocab.utf8[id];
        }
        if ((attr & Vocabulary.ATTR_NORMAL) != 0) {
            return normalPiece(id);
        }
        if ((attr & Vocabulary.ATTR_BYTE) != 0) {
            int b = Vocabulary.parseByteToken(vocab.texts[id]);
            return b >= 0 ? new byte[] {(byte) b} : normalPiece(id);
        }
        return EMPTY; // unused and undefined tokens
    }
}
