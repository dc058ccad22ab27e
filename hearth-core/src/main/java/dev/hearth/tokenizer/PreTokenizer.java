package dev.hearth.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words that byte-level BPE merges within, chosen by {@code tokenizer.ggml.pre}.
 *
 * <p>Each pre-tokenizer is a list of regular expressions, as in llama.cpp's {@code llm_tokenizer_bpe}
 * (they come from the models' {@code tokenizer.json}): the first splits the whole text into matches and the
 * gaps between them, each further expression splits every piece again. The GPT-2 and Llama 3 expressions
 * run as hand-written scanners ({@link Gpt2Split}, {@link Llama3Split}); the others run on
 * {@link java.util.regex} the way llama.cpp runs them on {@code std::regex}: an expression that uses Unicode
 * categories ({@code \p{L}}...) sees the text "collapsed" to one character per code point (ASCII as is,
 * other code points replaced by a marker for their category), everything else sees the code points with
 * non-ASCII whitespace replaced by U+000B so that {@code \s} matches it.
 */
final class PreTokenizer {

    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String CJK_REGEX = "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";
    /** DeepSeek LLM's cased letters (Unicode Lu, Ll and Lt), spelled out as ranges in its tokenizer.json. */
    private static final String DEEPSEEK_CASED_LETTERS = "A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}"
            + "\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}"
            + "\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}"
            + "\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}"
            + "\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}"
            + "\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}"
            + "\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}"
            + "\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}"
            + "\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}"
            + "\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}"
            + "\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}"
            + "\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}"
            + "\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}"
            + "\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
            + "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
            + "\\x{1E900}-\\x{1E943}";

    private static final List<String> DEFAULT = List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_REGEX, "\\p{N}+", "[0-9][0-9][0-9]");
    private static final List<String> LLAMA3 = List.of(LLAMA3_REGEX);
    private static final List<String> GPT2 = List.of(GPT2_REGEX);
    private static final List<String> STARCODER = List.of("\\p{N}", GPT2_REGEX);
    private static final List<String> FALCON = List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_REGEX, "[0-9][0-9][0-9]");
    private static final List<String> QWEN2 = List.of(QWEN2_REGEX);
    private static final List<String> DEEPSEEK_LLM = List.of("[\r\n]", "\\s?[" + DEEPSEEK_CASED_LETTERS + "]+",
            "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+", "\\s+$",
            CJK_REGEX, "\\p{N}+");
    private static final List<String> DEEPSEEK_CODER = List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK_REGEX, "\\p{N}");
    private static final List<String> DEEPSEEK3 = List.of("\\p{N}{1,3}", "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                    + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+");
    private static final List<String> QWEN35 = List.of("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    private static final String BLOOM_REGEX = " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{0964}\\x{06D4}\\x{060C})]+";
    private static final List<String> BLOOM = List.of(BLOOM_REGEX);
    private static final List<String> VIKING = List.of(BLOOM_REGEX, "\\p{N}");
    private static final List<String> BAILINGMOE = List.of("'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+");
    private static final List<String> SEED_CODER = List.of("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    private static final List<String> UFAKZEKA = List.of(
            "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    private static final List<String> LAGUNA = List.of("[^\\n]+|[\\n]+", QWEN2_REGEX);
    private static final List<String> MINICPM5 = List.of("\\p{N}{1,3}", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    private static final System.Logger LOG = System.getLogger(PreTokenizer.class.getName());

    final String name;
    private final List<Step> steps;
    private final boolean ignoreMerges;
    private final boolean addsBosByDefault;

    private PreTokenizer(String name, List<String> regexes, boolean ignoreMerges, boolean addsBosByDefault) {
        this.name = name;
        List<Step> s = new ArrayList<>();
        for (String r : regexes) {
            s.add(step(r));
        }
        this.steps = List.copyOf(s);
        this.ignoreMerges = ignoreMerges;
        this.addsBosByDefault = addsBosByDefault;
    }

    /**
     * The pre-tokenizer llama.cpp uses for {@code tokenizer.ggml.pre = name}. An absent name (empty string) or
     * {@code "default"} gives llama.cpp's default; a name we do not know gives the Llama 3 split, which is the
     * common core of the expressions of recent byte-level BPE models, and logs a warning.
     */
    static PreTokenizer forName(String name) {
        return switch (name) {
            case "", "default" -> new PreTokenizer(name, DEFAULT, false, false);
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano" ->
                    new PreTokenizer(name, LLAMA3, true, true);
            case "dbrx", "smaug-bpe", "glm4", "chatglm-bpe" -> new PreTokenizer(name, LLAMA3, false, false);
            case "deepseek-llm" -> new PreTokenizer(name, DEEPSEEK_LLM, false, false);
            case "deepseek-coder" -> new PreTokenizer(name, DEEPSEEK_CODER, false, false);
            case "deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4" -> new PreTokenizer(name, DEEPSEEK3, false, false);
            case "falcon" -> new PreTokenizer(name, FALCON, false, false);
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2" ->
                    new PreTokenizer(name, STARCODER, false, false);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
                 "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4", "mpt", "olmo", "jais", "trillion",
                 "granite-docling" -> new PreTokenizer(name, GPT2, false, false);
            case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "hunyuan", "solar-open", "megrez", "grok-2" ->
                    new PreTokenizer(name, QWEN2, false, false);
            case "qwen35" -> new PreTokenizer(name, QWEN35, false, false);
            case "poro-chat", "bloom", "gpt3-finnish" -> new PreTokenizer(name, BLOOM, false, false);
            case "viking" -> new PreTokenizer(name, VIKING, false, false);
            case "bailingmoe", "bailingmoe2", "llada-moe" -> new PreTokenizer(name, BAILINGMOE, false, false);
            case "seed-coder" -> new PreTokenizer(name, SEED_CODER, false, false);
            case "ufakzeka" -> new PreTokenizer(name, UFAKZEKA, false, false);
            case "laguna" -> new PreTokenizer(name, LAGUNA, false, false);
            case "minicpm5" -> new PreTokenizer(name, MINICPM5, true, false);
            default -> {
                LOG.log(System.Logger.Level.WARNING, "unknown pre-tokenizer ''{0}'', splitting words like Llama 3", name);
                yield new PreTokenizer(name, LLAMA3, false, false);
            }
        };
    }

    /** True when a word that is itself a token is emitted whole, without running the merges (Llama 3). */
    boolean ignoresMerges() {
        return ignoreMerges;
    }

    /** llama.cpp's default for {@code add_bos_token} with this pre-tokenizer. */
    boolean addsBosByDefault() {
        return addsBosByDefault;
    }

    /** Splits the code points {@code cps[0, n)} into words; returns their lengths in code points. */
    IntList split(int[] cps, int n) {
        IntList lengths = new IntList(16);
        if (n == 0) {
            return lengths;
        }
        lengths.add(n);
        for (Step step : steps) {
            IntList next = new IntList(lengths.size() * 2 + 8);
            step.split(cps, n, lengths, next);
            lengths = next;
        }
        return lengths;
    }

    /** One expression: splits each piece (given as consecutive lengths over cps) into smaller pieces. */
    interface Step {
        void split(int[] cps, int n, IntList in, IntList out);
    }

    private static Step step(String regex) {
        // the scanners keep their position in fields, so each call gets a fresh one (steps are shared)
        if (regex.equals(GPT2_REGEX)) {
            return (cps, n, in, out) -> new Gpt2Split().run(cps, in, out);
        }
        if (regex.equals(LLAMA3_REGEX)) {
            return (cps, n, in, out) -> new Llama3Split().run(cps, in, out);
        }
        Step run = SetRunSplit.of(regex);
        return run != null ? run : new RegexSplit(regex);
    }

    // ---- hand-written scanners ----------------------------------------------------------------------

    /** Scans one piece; {@code flags(p)}/{@code cpt(p)} give 0/-1 outside [ini, end), like llama.cpp's accessors. */
    private abstract static class Scanner {
        int[] cps;
        int ini;
        int end;
        IntList out;
        int prevEnd;

        final int cpt(int p) {
            return p >= ini && p < end ? cps[p] : -1;
        }

        final int flags(int p) {
            return p >= ini && p < end ? CodepointFlags.of(cps[p]) : 0;
        }

        final void emit(int p) {
            if (p > prevEnd) {
                out.add(p - prevEnd);
            }
            prevEnd = p;
        }

        /**
         * The last alternatives the GPT-2 family's expressions share, {@code \s+(?!\S)|\s+}, then any one code
         * point: where the piece starting at {@code pos} with {@code ws} whitespace code points ends. A run of
         * spaces before a word leaves its last space to that word.
         */
        final int spacesOrOne(int pos, int ws) {
            if (ws > 1 && pos + ws < end) {
                return pos + ws - 1;
            }
            return ws > 0 ? pos + ws : pos + 1;
        }

        final void run(int[] cps, IntList in, IntList out) {
            this.cps = cps;
            this.out = out;
            int start = 0;
            for (int i = 0; i < in.size(); i++) {
                ini = start;
                end = start + in.get(i);
                start = end;
                prevEnd = ini;
                scan();
            }
            this.cps = null;
            this.out = null;
        }

        abstract void scan();

        private static boolean isContractionStart(int c) {
            return c == 's' || c == 't' || c == 'm' || c == 'd';
        }

        /** Length of a contraction ('s 't 're 've 'm 'll 'd) at p, 0 if none. */
        final int contraction(int p, boolean ignoreCase) {
            if (cpt(p) != '\'' || p + 1 >= end) {
                return 0;
            }
            int c1 = ignoreCase ? CodepointFlags.toLower(cpt(p + 1)) : cpt(p + 1);
            if (isContractionStart(c1)) {
                return 2;
            }
            if (p + 2 < end) {
                int c2 = ignoreCase ? CodepointFlags.toLower(cpt(p + 2)) : cpt(p + 2);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    return 3;
                }
            }
            return 0;
        }

        static boolean isWsLetterOrNumber(int f) {
            return (f & (CodepointFlags.WHITESPACE | CodepointFlags.LETTER | CodepointFlags.NUMBER)) != 0;
        }
    }

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    static final class Gpt2Split extends Scanner {
        @Override
        void scan() {
            int pos = ini;
            while (pos < end) {
                int c = cps[pos];
                int f = flags(pos);
                int k = contraction(pos, false);
                if (k > 0) {
                    pos += k;
                    emit(pos);
                    continue;
                }
                int f2 = c == ' ' ? flags(pos + 1) : f;
                if (CodepointFlags.isLetter(f2)) {
                    pos += c == ' ' ? 1 : 0;
                    while (CodepointFlags.isLetter(flags(pos))) {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                if (CodepointFlags.isNumber(f2)) {
                    pos += c == ' ' ? 1 : 0;
                    while (CodepointFlags.isNumber(flags(pos))) {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                if (!isWsLetterOrNumber(f2) && f2 != 0) {
                    pos += c == ' ' ? 1 : 0;
                    while (true) {
                        int g = flags(pos);
                        if (isWsLetterOrNumber(g) || g == 0) {
                            break;
                        }
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                int ws = 0;
                while (CodepointFlags.isWhitespaceFlag(flags(pos + ws))) {
                    ws++;
                }
                pos = spacesOrOne(pos, ws);
                emit(pos);
            }
        }
    }

    /**
     * Llama 3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
     * |\s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    static final class Llama3Split extends Scanner {
        @Override
        void scan() {
            int pos = ini;
            while (pos < end) {
                int c = cps[pos];
                int f = flags(pos);
                int k = contraction(pos, true);
                if (k > 0) {
                    pos += k;
                    emit(pos);
                    continue;
                }
                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!(c == '\r' || c == '\n' || CodepointFlags.isNumber(f))) {
                    if (CodepointFlags.isLetter(f) || CodepointFlags.isLetter(flags(pos + 1))) {
                        pos++;
                        while (CodepointFlags.isLetter(flags(pos))) {
                            pos++;
                        }
                        emit(pos);
                        continue;
                    }
                }
                // \p{N}{1,3}
                if (CodepointFlags.isNumber(f)) {
                    int run = pos;
                    while (CodepointFlags.isNumber(flags(pos))) {
                        pos++;
                        if (pos - run >= 3) {
                            emit(pos);
                            run = pos;
                        }
                    }
                    emit(pos);
                    continue;
                }
                // " ?[^\s\p{L}\p{N}]+[\r\n]*" (llama.cpp tests the current code point's flags for being defined)
                int f2 = c == ' ' ? flags(pos + 1) : f;
                if (!isWsLetterOrNumber(f2) && f != 0) {
                    pos += c == ' ' ? 1 : 0;
                    while (true) {
                        int g = flags(pos);
                        if (isWsLetterOrNumber(g) || g == 0) {
                            break;
                        }
                        pos++;
                    }
                    while (cpt(pos) == '\r' || cpt(pos) == '\n') {
                        pos++;
                    }
                    emit(pos);
                    continue;
                }
                int ws = 0;
                int afterLastNewline = 0;
                while (CodepointFlags.isWhitespaceFlag(flags(pos + ws))) {
                    int w = cpt(pos + ws);
                    if (w == '\r' || w == '\n') {
                        afterLastNewline = pos + ws + 1;
                    }
                    ws++;
                }
                if (afterLastNewline > 0) { // \s*[\r\n]+
                    pos = afterLastNewline;
                    emit(pos);
                    continue;
                }
                pos = spacesOrOne(pos, ws);
                emit(pos);
            }
        }
    }

    // ---- runs of a code point set ----------------------------------------------------------------

    /**
     * The expressions {@code [set]}, {@code [set]+} and {@code \s?[set]+} where the set is spelled out as
     * characters and ranges (DeepSeek's letter, punctuation and CJK sets), scanned directly: java.util.regex
     * tests a class of eighty ranges one range at a time, which made these splits a hundred times slower.
     * Same matches as the regular expression: leftmost, then longest.
     */
    static final class SetRunSplit implements Step {
        private final int[] ranges; // sorted, disjoint [first, last] pairs
        private final boolean[] ascii = new boolean[128];
        private final boolean optionalSpace;
        private final boolean repeat;

        private SetRunSplit(int[] ranges, boolean optionalSpace, boolean repeat) {
            this.ranges = ranges;
            this.optionalSpace = optionalSpace;
            this.repeat = repeat;
            for (int c = 0; c < 128; c++) {
                ascii[c] = search(c);
            }
        }

        /** A scanner for {@code regex}, or null when it is not of a form this class handles. */
        static SetRunSplit of(String regex) {
            boolean space = regex.startsWith("\\s?");
            String rest = space ? regex.substring(3) : regex;
            boolean repeat = rest.endsWith("]+");
            if (!rest.startsWith("[") || rest.startsWith("[^") || !(repeat || rest.endsWith("]")) || (space && !repeat)) {
                return null;
            }
            String content = rest.substring(1, rest.length() - (repeat ? 2 : 1));
            int[] ranges = parseSet(content);
            return ranges == null ? null : new SetRunSplit(ranges, space, repeat);
        }

        /** Ranges of a class body made of characters, {@code \x{...}} and single-character escapes; else null. */
        private static int[] parseSet(String body) {
            java.util.List<int[]> list = new java.util.ArrayList<>();
            int i = 0;
            while (i < body.length()) {
                int[] first = parseChar(body, i);
                if (first == null) {
                    return null;
                }
                i = first[1];
                int lo = first[0], hi = lo;
                if (i + 1 < body.length() && body.charAt(i) == '-') {
                    int[] last = parseChar(body, i + 1);
                    if (last == null) {
                        return null;
                    }
                    hi = last[0];
                    i = last[1];
                }
                if (hi < lo) {
                    return null;
                }
                list.add(new int[] {lo, hi});
            }
            list.sort(java.util.Comparator.comparingInt(r -> r[0]));
            IntList merged = new IntList(list.size() * 2);
            for (int[] r : list) {
                int k = merged.size();
                if (k > 0 && r[0] <= merged.get(k - 1) + 1) {
                    merged.set(k - 1, Math.max(merged.get(k - 1), r[1]));
                } else {
                    merged.add(r[0]);
                    merged.add(r[1]);
                }
            }
            return merged.toArray();
        }

        /** {code point, index after it} for the character at {@code i}, or null for syntax we do not take. */
        private static int[] parseChar(String body, int i) {
            char c = body.charAt(i);
            if (c == '[' || c == ']' || c == '&' && i + 1 < body.length() && body.charAt(i + 1) == '&') {
                return null;
            }
            if (c != '\\') {
                int cp = body.codePointAt(i);
                return new int[] {cp, i + Character.charCount(cp)};
            }
            if (i + 1 >= body.length()) {
                return null;
            }
            char e = body.charAt(i + 1);
            if (e == 'x' && i + 2 < body.length() && body.charAt(i + 2) == '{') {
                int close = body.indexOf('}', i + 3);
                return close < 0 ? null : new int[] {Integer.parseInt(body.substring(i + 3, close), 16), close + 1};
            }
            if (Character.isLetterOrDigit(e)) {
                return null; // \s, \p, \d...: a class of its own
            }
            return new int[] {e, i + 2};
        }

        private boolean search(int cp) {
            int lo = 0, hi = ranges.length / 2 - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (cp < ranges[2 * mid]) {
                    hi = mid - 1;
                } else if (cp > ranges[2 * mid + 1]) {
                    lo = mid + 1;
                } else {
                    return true;
                }
            }
            return false;
        }

        private boolean contains(int cp) {
            if (cp < 128) {
                return ascii[cp];
            }
            // llama.cpp hands std::wregex the text with non-ASCII whitespace replaced by U+000B, so that \s
            // matches it; a set that lists such a character (DeepSeek's lists U+3000) then never sees it
            return CodepointFlags.isWhitespace(cp) ? ascii[0x0B] : search(cp);
        }

        @Override
        public void split(int[] cps, int n, IntList in, IntList out) {
            int start = 0;
            for (int s = 0; s < in.size(); s++) {
                int end = start + in.get(s);
                int prev = start;
                for (int p = start; p < end; ) {
                    int from;
                    int q;
                    if (optionalSpace && CodepointFlags.isWhitespace(cps[p]) && p + 1 < end && contains(cps[p + 1])) {
                        from = p;
                        q = p + 2;
                    } else if (contains(cps[p])) {
                        from = p;
                        q = p + 1;
                    } else {
                        p++;
                        continue;
                    }
                    while (repeat && q < end && contains(cps[q])) {
                        q++;
                    }
                    if (from > prev) {
                        out.add(from - prev);
                    }
                    out.add(q - from);
                    prev = p = q;
                }
                if (end > prev) {
                    out.add(end - prev);
                }
                start = end;
            }
        }
    }

    // ---- expressions on java.util.regex ----------------------------------------------------------

    /** Category markers of the collapsed text (llama.cpp's k_ucat_cpt). */
    private static final char OTHER = '\u00D0';
    private static final char NUMBER = '\u00D1';
    private static final char LETTER = '\u00D2';
    private static final char PUNCTUATION = '\u00D3';
    private static final char MARK = '\u00D4';
    private static final char SYMBOL = '\u00D5';

    /** What each category class becomes in a collapsed expression: its marker plus its ASCII members. */
    private static String collapsedClass(String category) {
        return switch (category) {
            case "N" -> "\\x{D1}0-9";
            case "L", "Lu", "Ll", "Lt", "Lm", "Lo" -> "\\x{D2}A-Za-z";
            // llama.cpp's ASCII sets: !"#%&'()*,-./:;?@[\]_{} are P, $+<=>^`| are S ('~' is in neither)
            case "P" -> "\\x{D3}!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
            case "M" -> "\\x{D4}";
            case "S" -> "\\x{D5}\\$\\+<->\\^`\\|";
            default -> null;
        };
    }

    static char collapse(int cp) {
        if (cp < 128) {
            return (char) cp;
        }
        int f = CodepointFlags.of(cp);
        if ((f & CodepointFlags.WHITESPACE) != 0) {
            return '\u000B';
        }
        return switch (f & CodepointFlags.CATEGORY_MASK) {
            case CodepointFlags.NUMBER -> NUMBER;
            case CodepointFlags.LETTER -> LETTER;
            case CodepointFlags.PUNCTUATION -> PUNCTUATION;
            case CodepointFlags.MARK -> MARK;
            case CodepointFlags.SYMBOL -> SYMBOL;
            default -> OTHER;
        };
    }

    static final class RegexSplit implements Step {
        private final Pattern pattern;
        private final boolean collapsed;

        RegexSplit(String regex) {
            this.collapsed = regex.contains("\\p{");
            this.pattern = Pattern.compile(translate(regex, collapsed));
        }

        /**
         * Rewrites an expression for java.util.regex: {@code \p{X}} becomes the collapsed class when
         * {@code collapsed}, and an unescaped {@code $} outside a class becomes {@code \z}, because in
         * ECMAScript {@code $} matches only at the very end while Java's also matches before a final newline.
         */
        static String translate(String regex, boolean collapsed) {
            StringBuilder out = new StringBuilder(regex.length() + 32);
            boolean inClass = false;
            for (int i = 0; i < regex.length(); i++) {
                char c = regex.charAt(i);
                if (c == '\\' && i + 1 < regex.length()) {
                    char d = regex.charAt(i + 1);
                    if (d == 'p' && collapsed && i + 2 < regex.length() && regex.charAt(i + 2) == '{') {
                        int close = regex.indexOf('}', i + 3);
                        String cls = close < 0 ? null : collapsedClass(regex.substring(i + 3, close));
                        if (cls == null) {
                            throw new IllegalArgumentException("unsupported category in pre-tokenizer expression: " + regex);
                        }
                        out.append(inClass ? cls : "[" + cls + "]");
                        i = close;
                        continue;
                    }
                    out.append(c).append(d);
                    i++;
                    continue;
                }
                if (c == '[' && !inClass) {
                    inClass = true;
                } else if (c == ']' && inClass) {
                    inClass = false;
                } else if (c == '$' && !inClass) {
                    out.append("\\z");
                    continue;
                }
                out.append(c);
            }
            return out.toString();
        }

        @Override
        public void split(int[] cps, int n, IntList in, IntList out) {
            String subject;
            int[] charToCp = null; // null when one char per code point
            if (collapsed) {
                char[] buf = new char[n];
                for (int i = 0; i < n; i++) {
                    buf[i] = collapse(cps[i]);
                }
                subject = new String(buf);
            } else {
                StringBuilder sb = new StringBuilder(n + 16);
                boolean supplementary = false;
                for (int i = 0; i < n; i++) {
                    int cp = cps[i];
                    if (cp > 0x7F && CodepointFlags.isWhitespace(cp)) {
                        cp = 0x0B;
                    }
                    supplementary |= cp > 0xFFFF;
                    sb.appendCodePoint(cp);
                }
                subject = sb.toString();
                if (supplementary) {
                    charToCp = new int[subject.length() + 1];
                    int ci = 0;
                    for (int i = 0; i < n; i++) {
                        charToCp[ci++] = i;
                        if (cps[i] > 0xFFFF) {
                            charToCp[ci++] = i; // never a match boundary: matches are whole code points
                        }
                    }
                    charToCp[ci] = n;
                }
            }
            int[] cpToChar = charToCp == null ? null : invert(charToCp, n);
            Matcher m = pattern.matcher(subject);
            m.useTransparentBounds(false).useAnchoringBounds(true);
            int start = 0;
            for (int s = 0; s < in.size(); s++) {
                int end = start + in.get(s);
                m.region(cpToChar == null ? start : cpToChar[start], cpToChar == null ? end : cpToChar[end]);
                int prev = start;
                while (m.find()) {
                    int ms = charToCp == null ? m.start() : charToCp[m.start()];
                    int me = charToCp == null ? m.end() : charToCp[m.end()];
                    if (me == ms) {
                        continue;
                    }
                    if (ms > prev) {
                        out.add(ms - prev);
                    }
                    out.add(me - ms);
                    prev = me;
                }
                if (end > prev) {
                    out.add(end - prev);
                }
                start = end;
            }
        }

        private static int[] invert(int[] charToCp, int n) {
            int[] cpToChar = new int[n + 1];
            for (int ci = charToCp.length - 1; ci >= 0; ci--) {
                cpToChar[charToCp[ci]] = ci;
            }
            return cpToChar;
        }
    }
}
