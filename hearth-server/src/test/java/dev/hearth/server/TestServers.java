package dev.hearth.server;

import dev.hearth.server.runtime.SchedulerConfig;
import java.time.Duration;

final class TestServers {
    private TestServers() {}

    /** One model, one sequence, small contexts and two threads: what the shared CI machine can afford. */
    static SchedulerConfig schedulerConfig() {
        return new SchedulerConfig(1, 1, 8, Duration.ofMinutes(5), 512, 2, 1L << 30, Long.MAX_VALUE, 64);
    }
}
