package dev.hearth.chat.template;

import java.time.Clock;
import java.util.Objects;

/**
 * How one render runs: the clock behind {@code strftime_now} and the sandbox budgets.
 *
 * @param clock         source of "now" for {@code strftime_now(format)}, read in the clock's zone
 * @param maxSteps      evaluation steps (statements, expressions, loop iterations, and bulk work such
 *                      as copying elements or characters, charged in proportion) before rendering stops
 * @param maxDepth      nesting of evaluation (expression depth plus macro calls, recursive loops and
 *                      nested values being printed) before rendering stops; keeps the Java stack safe
 * @param maxOutputChars size of the rendered prompt, in UTF-16 chars
 * @param maxValueChars  size of any one string or collection a template builds
 */
public record RenderOptions(Clock clock, long maxSteps, int maxDepth, int maxOutputChars, int maxValueChars) {

    /**
     * Default step budget. Real templates take about 100-3,000 steps per message, and some scan the
     * whole history for each message (quadratic): 2,000 messages of tool calls need up to ~12 million
     * steps. A hostile template spends the budget in about a second.
     */
    public static final long DEFAULT_MAX_STEPS = 20_000_000;
    public static final int DEFAULT_MAX_DEPTH = 600;
    public static final int DEFAULT_MAX_OUTPUT_CHARS = 8 << 20;
    public static final int DEFAULT_MAX_VALUE_CHARS = 8 << 20;

    public RenderOptions {
        Objects.requireNonNull(clock, "clock");
        if (maxSteps <= 0 || maxDepth <= 0 || maxOutputChars <= 0 || maxValueChars <= 0) {
            throw new IllegalArgumentException("render budgets must be positive");
        }
    }

    /** The system clock in the local time zone and the default budgets. */
    public static RenderOptions defaults() {
        return new RenderOptions(Clock.systemDefaultZone(), DEFAULT_MAX_STEPS, DEFAULT_MAX_DEPTH,
                DEFAULT_MAX_OUTPUT_CHARS, DEFAULT_MAX_VALUE_CHARS);
    }

    public RenderOptions withClock(Clock newClock) {
        return new RenderOptions(newClock, maxSteps, maxDepth, maxOutputChars, maxValueChars);
    }

    public RenderOptions withMaxSteps(long steps) {
        return new RenderOptions(clock, steps, maxDepth, maxOutputChars, maxValueChars);
    }

    public RenderOptions withMaxDepth(int depth) {
        return new RenderOptions(clock, maxSteps, depth, maxOutputChars, maxValueChars);
    }

    public RenderOptions withMaxOutputChars(int chars) {
        return new RenderOptions(clock, maxSteps, maxDepth, chars, maxValueChars);
    }

    public RenderOptions withMaxValueChars(int chars) {
        return new RenderOptions(clock, maxSteps, maxDepth, maxOutputChars, chars);
    }
}
