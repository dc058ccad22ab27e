package dev.hearth.store;

/** Downloaded or imported data whose SHA-256 is not the digest it was fetched as. */
public final class DigestMismatchException extends StoreException {
    public DigestMismatchException(String message) {
        super(message);
    }
}
