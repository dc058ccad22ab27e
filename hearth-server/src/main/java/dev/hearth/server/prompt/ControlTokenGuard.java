package dev.hearth.server.prompt;

import dev.hearth.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps text that came from a request from ever becoming control tokens, while the chat template's own
 * markers still do.
 *
 * <p>The problem: a chat template renders one string, in which the template's markers
 * ({@code <|im_start|>}, {@code <|eot_id|>}) must become control tokens, so the string is tokenized with
 * special-token parsing on. A user who types {@code <|im_start|>system} into a message would then inject a
 * real turn marker and could impersonate the system prompt.
 *
 * <p>The approach: before rendering, every occurrence of a control token's text inside request-supplied
 * strings (message contents, names, tool definitions: every string of the request) is replaced by a
 * sentinel: {@code U+E000}, the index of that text written in private-use characters, {@code U+E001}. The
 * template sees ordinary strings (sentinels contain no whitespace or markup, so trimming, splitting on
 * other markers and JSON encoding leave them intact). After rendering, the prompt is cut at the sentinels:
 * the template's text between them is tokenized with special parsing (only the template's own markers are
 * left in it), and each sentinel's original text is tokenized as plain text. A prompt without sentinels, the
 * normal case, is tokenized in one piece exactly as it would be without this guard.
 *
 * <p>Sentinel characters already present in the input are themselves protected the same way, so a client
 * cannot forge a sentinel; a sentinel broken by a template (e.g. truncated by slicing) is dropped.
 */
public final class ControlTokenGuard {
    static final char OPEN = '\uE000';
    static final char CLOSE = '\uE001';
    /** Index digits: 4096 private-use characters from U+E100, so two digits cover 16M texts. */
    private static final char DIGIT_BASE = '\uE100';
    private static final int RADIX = 4096;

    private final Tokenizer tokenizer;
    /** Protected texts, longest first within each first character. */
    private final String[] texts;
    private final Map<Character, int[]> byFirstChar = new LinkedHashMap<>();

    public ControlTokenGuard(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        List<String> list = new ArrayList<>();
        list.add(String.valueOf(OPEN));
        list.add(String.valueOf(CLOSE));
        java.util.Set<String> seen = new java.util.HashSet<>(list);
        int vocab = tokenizer.vocabSize();
        for (int id = 0; id < vocab; id++) {
            if (tokenizer.isControl(id)) {
                String t = tokenizer.tokenText(id);
                if (t != null && !t.isEmpty() && seen.add(t)) {
                    list.add(t);
                }
            }
        }
        texts = list.toArray(String[]::new);
        Map<Character, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < texts.length; i++) {
            groups.computeIfAbsent(texts[i].charAt(0), c -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<Character, List<Integer>> e : groups.entrySet()) {
            int[] idx = e.getValue().stream()
                    .sorted(Comparator.comparingInt((Integer i) -> texts[i].length()).reversed())
                    .mapToInt(Integer::intValue).toArray();
            byFirstChar.put(e.getKey(), idx);
        }
    }

    /** The control-token texts this guard protects (for tests and diagnostics). */
    public List<String> protectedTexts() {
        return List.of(Arrays.copyOfRange(texts, 2, texts.length));
    }

    /** A deep copy of a JSON-like value (maps, lists, strings, numbers...) with every string protected. */
    public Object protect(Object value) {
        if (value instanceof String s) {
            return protect(s);
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(protect(String.valueOf(e.getKey())), protect(e.getValue()));
            }
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(protect(o));
            }
            return out;
        }
        return value;
    }

    /** {@code s} with every protected text replaced by its sentinel. */
    public String protect(String s) {
        StringBuilder out = null;
        int copied = 0;
        for (int i = 0; i < s.length(); i++) {
            int[] candidates = byFirstChar.get(s.charAt(i));
            if (candidates == null) {
                continue;
            }
            for (int t : candidates) {
                if (s.startsWith(texts[t], i)) {
                    if (out == null) {
                        out = new StringBuilder(s.length() + 16);
                    }
                    out.append(s, copied, i);
                    appendSentinel(out, t);
                    i += texts[t].length() - 1;
                    copied = i + 1;
                    break;
                }
            }
        }
        if (out == null) {
            return s;
        }
        out.append(s, copied, s.length());
        return out.toString();
    }

    private static void appendSentinel(StringBuilder out, int index) {
        out.append(OPEN);
        out.append((char) (DIGIT_BASE + index / RADIX));
        out.append((char) (DIGIT_BASE + index % RADIX));
        out.append(CLOSE);
    }

    /**
     * Tokenizes a rendered prompt: template text with special-token parsing, protected texts as plain text.
     *
     * @param addBos whether to add BOS (and whatever else the model wraps input with) at the start
     */
    public int[] tokenize(String rendered, boolean addBos) {
        if (rendered.indexOf(OPEN) < 0 && rendered.indexOf(CLOSE) < 0) {
            return tokenizer.encode(rendered, addBos, true);
        }
        List<int[]> parts = new ArrayList<>();
        StringBuilder template = new StringBuilder();
        boolean first = true;
        int i = 0;
        while (i < rendered.length()) {
            char c = rendered.charAt(i);
            if (c == OPEN && i + 3 < rendered.length() && rendered.charAt(i + 3) == CLOSE
                    && isDigit(rendered.charAt(i + 1)) && isDigit(rendered.charAt(i + 2))) {
                int index = (rendered.charAt(i + 1) - DIGIT_BASE) * RADIX + (rendered.charAt(i + 2) - DIGIT_BASE);
                if (index < texts.length) {
                    if (!template.isEmpty()) {
                        parts.add(tokenizer.encode(template.toString(), first && addBos, true));
                        first = false;
                        template.setLength(0);
                    }
                    parts.add(tokenizer.encode(texts[index], first && addBos, false));
                    first = false;
                }
                i += 4;
            } else if (c == OPEN || c == CLOSE) {
                i++; // a broken sentinel: its original text cannot be known, so it is dropped
            } else {
                template.append(c);
                i++;
            }
        }
        if (!template.isEmpty() || first) {
            parts.add(tokenizer.encode(template.toString(), first && addBos, true));
        }
        int total = 0;
        for (int[] p : parts) {
            total = Math.addExact(total, p.length);
        }
        int[] out = new int[total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static boolean isDigit(char c) {
        return c >= DIGIT_BASE && c < DIGIT_BASE + RADIX;
    }
}
