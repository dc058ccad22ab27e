package dev.hearth.tokenizer;

import dev.hearth.gguf.GgufException;
import dev.hearth.gguf.GgufFile;
import dev.hearth.gguf.GgufKeys;
import dev.hearth.gguf.GgufValue;
import dev.hearth.gguf.GgufValueType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The token table of a GGUF file ({@code tokenizer.*} metadata) with the token attributes, special ids and
 * flags that llama.cpp derives from it ({@code llama_vocab::impl::load}), including its repairs of
 * incomplete metadata: end-of-turn and fill-in-the-middle tokens found by their text, and the set of
 * end-of-generation tokens.
 */
final class Vocabulary {

    enum Kind { SPM, BPE, WPM }

    // Token attributes: llama.cpp's llama_token_attr bits.
    static final int ATTR_UNDEFINED = 0;
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;
    static final int ATTR_LSTRIP = 1 << 7;
    static final int ATTR_RSTRIP = 1 << 8;

    // tokenizer.ggml.token_type values (gguf-py TokenType).
    private static final int TYPE_NORMAL = 1;
    private static final int TYPE_UNKNOWN = 2;
    private static final int TYPE_CONTROL = 3;
    private static final int TYPE_USER_DEFINED = 4;
    private static final int TYPE_UNUSED = 5;
    private static final int TYPE_BYTE = 6;

    /** Texts llama.cpp recognises as end-of-turn when no eot id is given (order: first match wins). */
    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>",
            "<end_of_utterance>");
    private static final List<String> EOM_TEXTS = List.of("<|eom_id|>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
            "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    /** Texts that end generation whatever their declared type (llama.cpp's special_eog_ids heuristics). */
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]",
            "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");

    final Kind kind;
    final String modelName;
    final String preName;
    /** The pre-tokenizer named by {@code tokenizer.ggml.pre}, for byte-level BPE; null otherwise. */
    final PreTokenizer preTokenizer;
    final String[] texts;
    final float[] scores;
    final int[] attrs;
    /** UTF-8 of each token text. */
    final byte[][] utf8;
    /** Token text (UTF-8) to id; the first id wins for duplicated texts. */
    final ByteSpanMap textToId;

    final int bos;
    final int eos;
    final int eot;
    final int eom;
    final int unk;
    final int sep;
    final int pad;
    final boolean addBos;
    final boolean addEos;
    final boolean addSep;
    final boolean addSpacePrefix;
    final boolean lowercase;
    final boolean stripAccents;
    private final boolean[] eog;
    /** Control, user-defined and unknown tokens, longest text first: candidates for special-token splitting. */
    final int[] specialIds;
    /** For SPM: the token of each byte ({@code <0xXX>}, else the one-byte piece), or -1. */
    final int[] byteTokens;

    private Vocabulary(GgufFile file) {
        this.modelName = file.getString(GgufKeys.TOKENIZER_MODEL);
        this.preName = file.has(GgufKeys.TOKENIZER_PRE) ? file.getString(GgufKeys.TOKENIZER_PRE) : "";
        int bosDefault = -1, eosDefault = -1, unkDefault = -1, sepDefault = -1, padDefault = -1;
        boolean addBosDefault, addEosDefault = false, addSepDefault = false, spacePrefixDefault = false;
        PreTokenizer pre = null;
        switch (modelName) {
            case "llama" -> {
                kind = Kind.SPM;
                bosDefault = 1;
                eosDefault = 2;
                unkDefault = 0;
                addBosDefault = true;
                spacePrefixDefault = true;
            }
            case "bert" -> {
                kind = Kind.WPM;
                bosDefault = 101;
                unkDefault = 100;
                sepDefault = 102;
                padDefault = 0;
                addBosDefault = true;
                addSepDefault = true;
            }
            case "gpt2" -> {
                kind = Kind.BPE;
                // llama.cpp defaults BOS/EOS to id 11 here, a leftover that names an ordinary token; a file
                // without the ids has none, so we keep -1.
                pre = PreTokenizer.forName(preName);
                addBosDefault = pre.addsBosByDefault();
            }
            default -> throw new GgufException("unsupported tokenizer model '" + modelName + "' in "
                    + GgufKeys.TOKENIZER_MODEL + " (supported: llama = SentencePiece, gpt2 = byte-level BPE, "
                    + "bert = WordPiece)");
        }

        preTokenizer = pre;

        // ---- token texts, scores and types ------------------------------------------------------------
        GgufValue.GgufArray tokenArray = file.getArray(GgufKeys.TOKENIZER_TOKENS);
        if (tokenArray.elementType() != GgufValueType.STRING) {
            throw new GgufException(GgufKeys.TOKENIZER_TOKENS + " must be an array of strings, found an array of "
                    + tokenArray.elementType().gguf());
        }
        String[] rawTexts = (String[]) tokenArray.elements();
        int n = rawTexts.length;
        if (n == 0) {
            throw new GgufException(GgufKeys.TOKENIZER_TOKENS + " is empty");
        }
        texts = new String[n];
        for (int i = 0; i < n; i++) {
            texts[i] = rawTexts[i].isEmpty() ? "[EMPTY_" + i + "]" : rawTexts[i];
        }
        scores = readScores(file, n);
        attrs = readAttributes(file, n);
        utf8 = new byte[n][];
        textToId = new ByteSpanMap(n);
        for (int i = 0; i < n; i++) {
            utf8[i] = texts[i].getBytes(StandardCharsets.UTF_8);
            textToId.putIfAbsent(utf8[i], i);
        }

        // ---- special ids and flags ------------------------------------------------------------------
        int bosId = specialId(file, GgufKeys.TOKENIZER_BOS_ID, bosDefault, n);
        int eosId = specialId(file, GgufKeys.TOKENIZER_EOS_ID, eosDefault, n);
        int eotId = specialId(file, GgufKeys.TOKENIZER_EOT_ID, -1, n);
        int eomId = specialId(file, GgufKeys.TOKENIZER_EOM_ID, -1, n);
        unk = specialId(file, GgufKeys.TOKENIZER_UNK_ID, unkDefault, n);
        sep = specialId(file, GgufKeys.TOKENIZER_SEP_ID, sepDefault, n);
        pad = specialId(file, GgufKeys.TOKENIZER_PAD_ID, padDefault, n);
        int fimPre = specialId(file, GgufKeys.TOKENIZER_FIM_PRE_ID, specialId(file, GgufKeys.TOKENIZER_PREFIX_ID, -1, n), n);
        int fimSuf = specialId(file, GgufKeys.TOKENIZER_FIM_SUF_ID, specialId(file, GgufKeys.TOKENIZER_SUFFIX_ID, -1, n), n);
        int fimMid = specialId(file, GgufKeys.TOKENIZER_FIM_MID_ID, specialId(file, GgufKeys.TOKENIZER_MIDDLE_ID, -1, n), n);
        int fimPad = specialId(file, GgufKeys.TOKENIZER_FIM_PAD_ID, -1, n);
        int fimRep = specialId(file, GgufKeys.TOKENIZER_FIM_REP_ID, -1, n);
        int fimSep = specialId(file, GgufKeys.TOKENIZER_FIM_SEP_ID, -1, n);
        bos = bosId;
        eos = eosId;
        addBos = file.getBool(GgufKeys.TOKENIZER_ADD_BOS, addBosDefault);
        addEos = file.getBool(GgufKeys.TOKENIZER_ADD_EOS, addEosDefault);
        addSep = file.getBool(GgufKeys.TOKENIZER_ADD_SEP, addSepDefault);
        addSpacePrefix = file.getBool(GgufKeys.TOKENIZER_ADD_PREFIX_SPACE, spacePrefixDefault);
        lowercase = file.getBool(GgufKeys.TOKENIZER_NORMALIZER_LOWERCASE, true);
        stripAccents = file.getBool(GgufKeys.TOKENIZER_NORMALIZER_STRIP_ACCENTS, lowercase);

        // ---- llama.cpp's repairs: tokens found by text are forced to be control tokens ---------------
        Map<String, Integer> firstIdOfText = new HashMap<>();
        for (int i = n - 1; i >= 0; i--) {
            firstIdOfText.put(texts[i], i);
        }
        // Each id that had to be found by its text becomes a control token.
        if (eotId < 0) {
            eotId = forceControl(findByText(firstIdOfText, EOT_TEXTS));
        }
        if (eomId < 0) {
            eomId = forceControl(findByText(firstIdOfText, EOM_TEXTS));
        }
        if (fimPre < 0) {
            fimPre = forceControl(findByText(firstIdOfText, FIM_PRE_TEXTS));
        }
        if (fimSuf < 0) {
            fimSuf = forceControl(findByText(firstIdOfText, FIM_SUF_TEXTS));
        }
        if (fimMid < 0) {
            fimMid = forceControl(findByText(firstIdOfText, FIM_MID_TEXTS));
        }
        if (fimPad < 0) {
            fimPad = forceControl(findByText(firstIdOfText, FIM_PAD_TEXTS));
        }
        if (fimRep < 0) {
            fimRep = forceControl(findByText(firstIdOfText, FIM_REP_TEXTS));
        }
        if (fimSep < 0) {
            fimSep = forceControl(findByText(firstIdOfText, FIM_SEP_TEXTS));
        }
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & ATTR_CONTROL) != 0 && texts[i].contains("unused")) {
                attrs[i] |= ATTR_UNUSED;
            }
        }
        eot = eotId;
        eom = eomId;

        eog = new boolean[n];
        for (int id : new int[] {fimPad, fimRep, fimSep, eosId, eotId, eomId}) {
            if (id >= 0) {
                eog[id] = true;
            }
        }
        for (int i = 0; i < n; i++) {
            if (EOG_TEXTS.contains(texts[i]) && firstIdOfText.get(texts[i]) == i) {
                eog[i] = true;
                attrs[i] |= ATTR_CONTROL;
            }
        }
        // gpt-oss: these structure tokens must always be rendered.
        for (String s : List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>")) {
            Integer id = firstIdOfText.get(s);
            if (id != null) {
                attrs[id] = ATTR_USER_DEFINED;
            }
        }
        // o200k_harmony and solar-open end a message with <|end|> but a turn with <|return|>/<|call|>.
        Integer endId = firstIdOfText.get("<|end|>");
        if (endId != null && eog[endId]) {
            boolean hasReturn = isEog(firstIdOfText.get("<|return|>"));
            boolean hasCall = isEog(firstIdOfText.get("<|call|>")) || isEog(firstIdOfText.get("<|calls|>"));
            boolean hasFlush = isEog(firstIdOfText.get("<|flush|>"));
            if ((hasReturn && hasCall) || (hasCall && hasFlush)) {
                eog[endId] = false;
                attrs[endId] = ATTR_USER_DEFINED;
            }
        }
        // gemma4: </s> is an ordinary token there.
        Integer toolResponse = firstIdOfText.get("<|tool_response>");
        Integer closeS = firstIdOfText.get("</s>");
        if (isEog(toolResponse) && isEog(closeS)) {
            eog[closeS] = false;
            attrs[closeS] = ATTR_NORMAL;
        }

        // ---- special-token candidates, longest first ----------------------------------------------------
        List<Integer> specials = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0) {
                specials.add(i);
            }
        }
        specials.sort(Comparator.<Integer>comparingInt(i -> -utf8[i].length).thenComparingInt(i -> i));
        specialIds = specials.stream().mapToInt(Integer::intValue).toArray();

        // phi-3 (by model name, as llama.cpp does): added tokens swallow the whitespace after them.
        String name = file.has(GgufKeys.GENERAL_NAME) ? file.getString(GgufKeys.GENERAL_NAME).toLowerCase(Locale.ROOT) : "";
        if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : specialIds) {
                attrs[id] |= ATTR_RSTRIP;
            }
            Integer id = firstIdOfText.get("</s>");
            if (id != null) {
                attrs[id] |= ATTR_RSTRIP;
            }
            for (String s : List.of("<unk>", "<s>", "<|endoftext|>")) {
                id = firstIdOfText.get(s);
                if (id != null) {
                    attrs[id] &= ~ATTR_RSTRIP;
                }
            }
        }

        byteTokens = new int[256];
        for (int b = 0; b < 256; b++) {
            int id = textToId.get(String.format("<0x%02X>", b).getBytes(StandardCharsets.US_ASCII));
            if (id < 0 && b < 0x80) {
                id = textToId.get(new byte[] {(byte) b});
            }
            byteTokens[b] = id;
        }
    }

    private int forceControl(int id) {
        if (id >= 0) {
            attrs[id] |= ATTR_CONTROL;
        }
        return id;
    }

    private boolean isEog(Integer id) {
        return id != null && eog[id];
    }

    static Vocabulary load(GgufFile file) {
        return new Vocabulary(file);
    }

    int size() {
        return texts.length;
    }

    boolean isEog(int id) {
        return id >= 0 && id < eog.length && eog[id];
    }

    private static int findByText(Map<String, Integer> firstIdOfText, List<String> candidates) {
        int best = -1;
        for (String s : candidates) {
            Integer id = firstIdOfText.get(s);
            if (id != null && (best < 0 || id < best)) {
                best = id;
            }
        }
        return best;
    }

    /** A token id from metadata; a missing or out-of-range value leaves the default (itself checked). */
    private static int specialId(GgufFile file, String key, int defaultId, int n) {
        int id = defaultId >= n ? -1 : defaultId;
        if (!file.has(key)) {
            return id;
        }
        GgufValue v = file.value(key).orElseThrow();
        if (!v.type().isInteger()) {
            throw new GgufException("metadata key '" + key + "' has type " + v.type().gguf() + ", expected an integer");
        }
        long x = v.asLong();
        return x >= 0 && x < n ? (int) x : id;
    }

    private static float[] readScores(GgufFile file, int n) {
        if (!file.has(GgufKeys.TOKENIZER_SCORES)) {
            return new float[n];
        }
        GgufValue.GgufArray a = file.getArray(GgufKeys.TOKENIZER_SCORES);
        float[] out;
        if (a.elementType().isInteger()) {
            int[] ints = file.getIntArray(GgufKeys.TOKENIZER_SCORES);
            out = new float[ints.length];
            for (int i = 0; i < ints.length; i++) {
                out[i] = ints[i];
            }
        } else {
            out = file.getFloatArray(GgufKeys.TOKENIZER_SCORES);
        }
        if (out.length < n) {
            throw new GgufException(GgufKeys.TOKENIZER_SCORES + " has " + out.length + " entries for " + n + " tokens");
        }
        return out.length == n ? out : Arrays.copyOf(out, n);
    }

    private static int[] readAttributes(GgufFile file, int n) {
        int[] out = new int[n];
        if (!file.has(GgufKeys.TOKENIZER_TOKEN_TYPE)) {
            Arrays.fill(out, ATTR_NORMAL);
            return out;
        }
        int[] types = file.getIntArray(GgufKeys.TOKENIZER_TOKEN_TYPE);
        if (types.length < n) {
            throw new GgufException(GgufKeys.TOKENIZER_TOKEN_TYPE + " has " + types.length + " entries for " + n + " tokens");
        }
        for (int i = 0; i < n; i++) {
            out[i] = switch (types[i]) {
                case TYPE_NORMAL -> ATTR_NORMAL;
                case TYPE_UNKNOWN -> ATTR_UNKNOWN;
                case TYPE_CONTROL -> ATTR_CONTROL;
                case TYPE_USER_DEFINED -> ATTR_USER_DEFINED;
                case TYPE_UNUSED -> ATTR_UNUSED;
                case TYPE_BYTE -> ATTR_BYTE;
                default -> ATTR_UNDEFINED;
            };
        }
        return out;
    }

    /** The byte a {@code <0xXX>} byte token stands for, or -1 when the text is not of that form. */
    static int parseByteToken(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.charAt(5) == '>') {
            int hi = Character.digit(text.charAt(3), 16);
            int lo = Character.digit(text.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return hi << 4 | lo;
            }
        }
        return -1;
    }
}
