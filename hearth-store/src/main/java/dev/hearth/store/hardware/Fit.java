package dev.hearth.store.hardware;

/** Whether a model's memory need fits this machine. */
public enum Fit {
    /** Needs at most three quarters of physical memory: room left for the OS and other programs. */
    COMFORTABLE("fits comfortably"),
    /** Fits in physical memory, but little is left; other programs may push it into swap. */
    TIGHT("fits, but tightly"),
    /** More than physical memory: it would swap or fail. */
    TOO_LARGE("will not fit"),
    /** The machine's memory is unknown. */
    UNKNOWN("unknown");

    private final String words;

    Fit(String words) {
        this.words = words;
    }

    public String words() {
        return words;
    }

    public static Fit of(long needed, long machineMemory) {
        if (machineMemory <= 0) {
            return UNKNOWN;
        }
        if (needed <= machineMemory / 4 * 3) {
            return COMFORTABLE;
        }
        return needed <= machineMemory ? TIGHT : TOO_LARGE;
    }
}
