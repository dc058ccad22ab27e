package dev.hearth.chat.template;

/**
 * The sandbox budgets of one render (see {@link RenderOptions}): counts steps and nesting, and
 * checks the size of every string or collection before it is built.
 */
final class Budget {
    private final long maxSteps;
    private final int maxDepth;
    final int maxValueChars;
    private long steps;
    private int depth;

    Budget(RenderOptions options) {
        this.maxSteps = options.maxSteps();
        this.maxDepth = options.maxDepth();
        this.maxValueChars = options.maxValueChars();
    }

    void step() {
        if (++steps > maxSteps) {
            throw new TemplateLimitException("template exceeded its budget of " + maxSteps + " evaluation steps");
        }
    }

    /** Charges bulk work (elements copied, characters built). */
    void charge(long units) {
        steps += units;
        if (steps > maxSteps) {
            throw new TemplateLimitException("template exceeded its budget of " + maxSteps + " evaluation steps");
        }
    }

    void enter() {
        if (++depth > maxDepth) {
            throw new TemplateLimitException("template nesting too deep (more than " + maxDepth
                    + " levels of expressions, macro calls or nested values)");
        }
    }

    void exit() {
        if (depth > 0) {
            depth--;
        }
    }

    /** Refuses a string or collection of {@code size} chars/elements, before it is allocated. */
    void checkSize(long size) {
        if (size > maxValueChars) {
            throw new TemplateLimitException("template built a value of " + size + " chars or elements (limit "
                    + maxValueChars + ")");
        }
    }

    /** {@link #checkSize} for a value built in one go, charging steps in proportion to its size. */
    void allocate(long size) {
        if (size <= 0) {
            return;
        }
        checkSize(size);
        chargeCopy(size);
    }

    /**
     * Charges copying {@code units} chars or elements: copying 64 takes about as long as evaluating
     * one node. Templates legitimately build their prompt by repeated concatenation (quadratic in the
     * conversation length, as in Python), so copying must not be priced like evaluation.
     */
    void chargeCopy(long units) {
        charge(units >>> 6);
    }
}
