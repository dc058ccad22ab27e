package dev.hearth.store;

import java.util.List;

/** A manifest names blobs that are not in the store (a concurrent delete in another process removed them). */
public final class MissingBlobException extends StoreException {
    private final List<Digest> missing;

    public MissingBlobException(String message, List<Digest> missing) {
        super(message);
        this.missing = List.copyOf(missing);
    }

    public List<Digest> missing() {
        return missing;
    }
}
