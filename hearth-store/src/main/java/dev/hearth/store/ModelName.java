package dev.hearth.store;

import java.util.List;
import java.util.Locale;

/**
 * A model reference {@code [host/][namespace/]model[:tag]}, with Ollama's defaults filled in
 * ({@value #DEFAULT_HOST}, {@value #DEFAULT_NAMESPACE}, {@value #DEFAULT_TAG}).
 *
 * <p>Hugging Face repositories use the same shape: {@code hf.co/USER/REPO:QUANT}. Every part becomes a
 * directory or file name under {@code manifests/}, so the rules (the same as Ollama's, so the two share a
 * store) are strict: parts start with a letter, digit or {@code _}; then letters, digits, {@code _ - .}
 * (the host may also hold {@code :} for a port; the namespace may not hold {@code .}); no {@code ..}; host up
 * to 350 characters, the other parts up to 80. {@link #parse} rejects anything else before any I/O.
 */
public record ModelName(String host, String namespace, String model, String tag) {

    public static final String DEFAULT_HOST = "registry.ollama.ai";
    public static final String DEFAULT_NAMESPACE = "library";
    public static final String DEFAULT_TAG = "latest";

    public static final int MAX_HOST_LENGTH = 350;
    public static final int MAX_PART_LENGTH = 80;
    /** Longest input worth looking at: every part at its maximum plus separators and a scheme. */
    private static final int MAX_INPUT_LENGTH = "https://".length() + MAX_HOST_LENGTH + 3 * (MAX_PART_LENGTH + 1);

    private enum Part {
        HOST("host", MAX_HOST_LENGTH),
        NAMESPACE("namespace", MAX_PART_LENGTH),
        MODEL("model", MAX_PART_LENGTH),
        TAG("tag", MAX_PART_LENGTH);

        final String label;
        final int maxLength;

        Part(String label, int maxLength) {
            this.label = label;
            this.maxLength = maxLength;
        }
    }

    public ModelName {
        check(host, Part.HOST, host);
        check(namespace, Part.NAMESPACE, namespace);
        check(model, Part.MODEL, model);
        check(tag, Part.TAG, tag);
    }

    /**
     * Parses a name, filling in defaults. A leading {@code https://} or {@code http://} is ignored here
     * (see {@link #requestsPlainHttp}).
     *
     * @throws InvalidModelNameException naming the offending part
     */
    public static ModelName parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidModelNameException("invalid model name: the name is empty");
        }
        if (text.length() > MAX_INPUT_LENGTH) {
            throw new InvalidModelNameException("invalid model name: " + text.length() + " characters is too long");
        }
        String s = text;
        if (s.startsWith("https://")) {
            s = s.substring("https://".length());
        } else if (s.startsWith("http://")) {
            s = s.substring("http://".length());
        }
        String tag = DEFAULT_TAG;
        // '/' cannot occur in a tag, so a ':' after the last '/' separates the tag (one before it is a port).
        int colon = s.lastIndexOf(':');
        if (colon > s.lastIndexOf('/')) {
            tag = s.substring(colon + 1);
            s = s.substring(0, colon);
            check(text, Part.TAG, tag);
        }
        String[] parts = s.split("/", -1);
        String host = DEFAULT_HOST;
        String namespace = DEFAULT_NAMESPACE;
        String model;
        switch (parts.length) {
            case 1 -> model = parts[0];
            case 2 -> {
                namespace = parts[0];
                model = parts[1];
            }
            case 3 -> {
                host = parts[0];
                namespace = parts[1];
                model = parts[2];
            }
            default -> throw new InvalidModelNameException("invalid model name \"" + printable(text)
                    + "\": expected [host/][namespace/]model[:tag], found " + (parts.length - 1) + " '/'");
        }
        check(text, Part.HOST, host);
        check(text, Part.NAMESPACE, namespace);
        check(text, Part.MODEL, model);
        return new ModelName(host, namespace, model, tag);
    }

    /** True for a name written with an explicit {@code http://}, which only {@code --insecure} allows. */
    public static boolean requestsPlainHttp(String text) {
        return text != null && text.startsWith("http://");
    }

    /** The parts as they appear under {@code manifests/}: host, namespace, model, tag. */
    public List<String> pathParts() {
        return List.of(host, namespace, model, tag);
    }

    /** {@code namespace/model}, the repository path in registry URLs. */
    public String repository() {
        return namespace + "/" + model;
    }

    /** The shortest form that parses back to this name, e.g. {@code llama3.2:latest}. */
    public String displayShortest() {
        StringBuilder b = new StringBuilder();
        if (!host.equalsIgnoreCase(DEFAULT_HOST)) {
            b.append(host).append('/').append(namespace).append('/');
        } else if (!namespace.equalsIgnoreCase(DEFAULT_NAMESPACE)) {
            b.append(namespace).append('/');
        }
        return b.append(model).append(':').append(tag).toString();
    }

    /** Case-insensitive comparison, as names typed by people differ in case from names on disk. */
    public boolean equalsIgnoreCase(ModelName other) {
        return host.equalsIgnoreCase(other.host) && namespace.equalsIgnoreCase(other.namespace)
                && model.equalsIgnoreCase(other.model) && tag.equalsIgnoreCase(other.tag);
    }

    /** The full name {@code host/namespace/model:tag}. */
    @Override
    public String toString() {
        return host + "/" + namespace + "/" + model + ":" + tag;
    }

    /** True if {@code part} is a valid tag (for names read back from directory listings). */
    public static boolean isValidTag(String part) {
        return problem(Part.TAG, part) == null;
    }

    private static void check(String whole, Part kind, String part) {
        String problem = problem(kind, part);
        if (problem != null) {
            throw new InvalidModelNameException("invalid model name \"" + printable(whole) + "\": " + problem);
        }
    }

    /** Why {@code s} is not a valid part of this kind, or null if it is. */
    private static String problem(Part kind, String s) {
        if (s == null || s.isEmpty()) {
            return "the " + kind.label + " is empty";
        }
        if (s.length() > kind.maxLength) {
            return "the " + kind.label + " is longer than " + kind.maxLength + " characters";
        }
        if (s.contains("..")) {
            return "the " + kind.label + " contains \"..\"";
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok;
            if (isAsciiAlphanumeric(c) || c == '_') {
                ok = true;
            } else if (i == 0) {
                ok = false;
            } else {
                ok = switch (c) {
                    case '-' -> true;
                    case '.' -> kind != Part.NAMESPACE;
                    case ':' -> kind == Part.HOST;
                    default -> false;
                };
            }
            if (!ok) {
                String what = c == '/' || c == '\\' ? "a path separator"
                        : Character.isWhitespace(c) ? "whitespace"
                        : "'" + (c < 0x20 || c == 0x7f ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c)) + "'";
                return "the " + kind.label + " \"" + printable(s) + "\" contains " + what
                        + (i == 0 ? " at its start (parts start with a letter, digit or '_')" : "");
            }
        }
        return null;
    }

    private static boolean isAsciiAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** The text with control characters escaped and cut to a readable length, for error messages. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 120; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > 120 ? b + "..." : b.toString();
    }
}
