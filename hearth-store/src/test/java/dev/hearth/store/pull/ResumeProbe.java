package dev.hearth.store.pull;

import dev.hearth.store.ModelStore;
import dev.hearth.store.testing.TestRegistry;

/** For tests outside this package: how much of a model blob an interrupted pull recorded as saved. */
public final class ResumeProbe {
    private ResumeProbe() {}

    public static long saved(ModelStore store, TestRegistry.Published model) {
        return BlobDownload.alreadyDownloaded(store, model.manifest().modelLayer().orElseThrow());
    }
}
