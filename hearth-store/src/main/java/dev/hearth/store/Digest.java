package dev.hearth.store;

import java.util.HexFormat;

/**
 * A SHA-256 content digest, written {@code sha256:<64 lowercase hex>} in manifests and
 * {@code sha256-<64 lowercase hex>} as a blob file name.
 *
 * <p>Registries and manifests are untrusted: a digest is the only thing that becomes a file name under
 * {@code blobs/}, so nothing but exactly this syntax is accepted (no other algorithms, no upper case, no
 * separators that could walk out of the directory).
 */
public record Digest(String hex) {

    public static final String PREFIX = "sha256:";
    public static final String FILE_PREFIX = "sha256-";
    private static final int HEX_LENGTH = 64;

    public Digest {
        if (!isHex64(hex)) {
            throw new IllegalArgumentException("invalid digest: expected 64 lowercase hex digits");
        }
    }

    /** Parses {@code sha256:<hex>}. */
    public static Digest parse(String text) {
        if (text == null || !text.startsWith(PREFIX) || !isHex64(text.substring(PREFIX.length()))) {
            throw new IllegalArgumentException("invalid digest \"" + shorten(text)
                    + "\": expected sha256: followed by 64 lowercase hex digits");
        }
        return new Digest(text.substring(PREFIX.length()));
    }

    /** Parses a blob file name {@code sha256-<hex>}, or returns null if the name is anything else. */
    public static Digest fromFileName(String fileName) {
        if (fileName.length() != FILE_PREFIX.length() + HEX_LENGTH || !fileName.startsWith(FILE_PREFIX)) {
            return null;
        }
        String hex = fileName.substring(FILE_PREFIX.length());
        return isHex64(hex) ? new Digest(hex) : null;
    }

    /** The digest of a finished SHA-256 computation. */
    public static Digest of(byte[] sha256) {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + sha256.length);
        }
        return new Digest(HexFormat.of().formatHex(sha256));
    }

    public String fileName() {
        return FILE_PREFIX + hex;
    }

    /** The first 12 hex digits, as Ollama shows layers and model ids. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return PREFIX + hex;
    }

    private static boolean isHex64(String s) {
        if (s == null || s.length() != HEX_LENGTH) {
            return false;
        }
        for (int i = 0; i < HEX_LENGTH; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static String shorten(String s) {
        if (s == null) {
            return "null";
        }
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
