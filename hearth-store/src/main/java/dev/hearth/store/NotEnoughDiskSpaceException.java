package dev.hearth.store;

/** The store's disk cannot hold what an operation would write (plus the free space it keeps in reserve). */
public final class NotEnoughDiskSpaceException extends StoreException {
    public NotEnoughDiskSpaceException(String message) {
        super(message);
    }
}
