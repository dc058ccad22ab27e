package dev.hearth.store;

import java.io.IOException;

/** No model of that name in the store, or no such model in a registry. */
public final class ModelNotFoundException extends IOException {
    public ModelNotFoundException(String message) {
        super(message);
    }
}
