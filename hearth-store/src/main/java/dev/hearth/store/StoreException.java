package dev.hearth.store;

import java.io.IOException;

/** The store cannot do what was asked (damaged model, read-only store, missing blob...). */
public class StoreException extends IOException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
