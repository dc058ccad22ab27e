package dev.hearth.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Cuts special-token text out of the input before the model's tokenizer sees it (llama.cpp's
 * {@code tokenizer_st_partition}). User-defined (added) tokens are always cut out, as Hugging Face
 * tokenizers do; control and unknown tokens only when the caller asks to parse special tokens, so text
 * typed by a user can never turn into a control token otherwise.
 *
 * <p>Tokens are tried longest first; each one splits every remaining stretch of plain text at each of
 * its occurrences, left to right. A token with the rstrip/lstrip attribute also swallows the whitespace
 * after/before it.
 */
final class SpecialTokenSplitter {
    private final Vocabulary vocab;
    private final String[] specialTexts;
    private final int[] specialAttrs;
    /** Trie over the special texts: edges keyed by (node << 16 | char), terminal node -> index in specialIds. */
    private final Map<Long, Integer> edges = new HashMap<>();
    private final int[] terminal;
    private final boolean[] firstChar = new boolean[65536];

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        int k = vocab.specialIds.length;
        specialTexts = new String[k];
        specialAttrs = new int[k];
        IntList terminals = new IntList(k * 4 + 1);
        terminals.add(-1); // root
        int nodes = 1;
        for (int s = 0; s < k; s++) {
            int id = vocab.specialIds[s];
            String text = vocab.texts[id];
            specialTexts[s] = text;
            specialAttrs[s] = vocab.attrs[id];
            firstChar[text.charAt(0)] = true;
            int node = 0;
            for (int i = 0; i < text.length(); i++) {
                long key = ((long) node << 16) | text.charAt(i);
                Integer child = edges.get(key);
                if (child == null) {
                    child = nodes++;
                    edges.put(key, child);
                    terminals.add(-1);
                }
                node = child;
            }
            // the first special with a given text is the one that matches
            if (terminals.get(node) < 0) {
                terminals.set(node, s);
            }
        }
        terminal = terminals.toArray();
    }

    private boolean allowed(int s, boolean parseSpecial) {
        return parseSpecial || (specialAttrs[s] & (Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_UNKNOWN)) == 0;
    }

    /**
     * Splits {@code text} into fragments appended to {@code out} as triples (token id, start, end): a token id
     * of -1 marks plain text {@code text[start, end)}, anything else a special token found there.
     */
    void split(String text, boolean parseSpecial, IntList out) {
        int len = text.length();
        if (len == 0) {
            return;
        }
        boolean[] present = findPresent(text, parseSpecial);
        if (present == null) {
            out.add(-1);
            out.add(0);
            out.add(len);
            return;
        }
        IntList frags = new IntList(16);
        frags.add(-1);
        frags.add(0);
        frags.add(len);
        for (int s = 0; s < specialTexts.length; s++) {
            if (!present[s]) {
                continue;
            }
            String t = specialTexts[s];
            int attr = specialAttrs[s];
            int tokenId = vocab.specialIds[s];
            IntList next = new IntList(frags.size() + 6);
            for (int f = 0; f < frags.size(); f += 3) {
                int tok = frags.get(f), start = frags.get(f + 1), end = frags.get(f + 2);
                if (tok >= 0) {
                    next.add(tok);
                    next.add(start);
                    next.add(end);
                    continue;
                }
                int from = start;
                while (from < end) {
                    int at = text.indexOf(t, from, end);
                    if (at < 0) {
                        break;
                    }
                    int leftEnd = at;
                    if ((attr & Vocabulary.ATTR_LSTRIP) != 0) {
                        while (leftEnd > from && isCSpace(text.charAt(leftEnd - 1))) {
                            leftEnd--;
                        }
                    }
                    if (leftEnd > from) {
                        next.add(-1);
                        next.add(from);
                        next.add(leftEnd);
                    }
                    next.add(tokenId);
                    next.add(at);
                    next.add(at + t.length());
                    from = at + t.length();
                    if ((attr & Vocabulary.ATTR_RSTRIP) != 0) {
                        while (from < end && isCSpace(text.charAt(from))) {
                            from++;
                        }
                    }
                }
                if (from < end) {
                    next.add(-1);
                    next.add(from);
                    next.add(end);
                }
            }
            frags = next;
        }
        for (int i = 0; i < frags.size(); i++) {
            out.add(frags.get(i));
        }
    }

    /** Which specials occur in the text at all (one pass over it), or null when none does. */
    private boolean[] findPresent(String text, boolean parseSpecial) {
        boolean[] present = null;
        int len = text.length();
        for (int i = 0; i < len; i++) {
            if (!firstChar[text.charAt(i)]) {
                continue;
            }
            int node = 0;
            for (int j = i; j < len; j++) {
                Integer child = edges.get(((long) node << 16) | text.charAt(j));
                if (child == null) {
                    break;
                }
                node = child;
                int s = terminal[node];
                if (s >= 0 && allowed(s, parseSpecial)) {
                    if (present == null) {
                        present = new boolean[specialTexts.length];
                    }
                    present[s] = true;
                }
            }
        }
        return present;
    }

    /** C's isspace in the "C" locale, which llama.cpp uses for lstrip/rstrip. */
    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
