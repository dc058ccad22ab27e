package dev.hearth.store.testing;

import java.nio.file.Path;

/**
 * Runs a {@link TestRegistry} until killed, serving the tiny test models, for trying pulls by hand:
 *
 * <pre>
 * hearth-store/src/test/sh/test-registry.sh [PORT] &amp;
 * HEARTH_MODELS=$(mktemp -d) ./hearth pull --insecure 127.0.0.1:PORT/library/tiny:q8
 * </pre>
 *
 * Published: {@code library/tiny:q8} (llama Q8_0 with template, system, params, license),
 * {@code library/tiny:q4} (llama Q4_K_M), {@code library/qwen3:latest} (qwen3 Q4_K_M, no template layer).
 * Optional second argument: bytes per second to throttle blob bodies to (to watch the progress bars).
 */
public final class TestRegistryMain {
    private TestRegistryMain() {}

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        TestRegistry r = TestRegistry.start(port);
        if (args.length > 1) {
            r.throttleBytesPerSecond = Long.parseLong(args[1]);
        }
        r.publish("library/tiny", "q8", TestModels.llamaQ8(), TestModels.TEMPLATE, TestModels.SYSTEM, TestModels.PARAMS,
                TestModels.LICENSE);
        r.publish("library/tiny", "q4", TestModels.model("llama-spm-Q4_K_M.gguf"), TestModels.TEMPLATE, null, null, null);
        r.publish("library/qwen3", "latest", TestModels.model("qwen3-Q4_K_M.gguf"), null, null, null, null);
        System.out.println("test registry on " + r.host() + " (testdata: " + Path.of(TestModels.testdata().toString())
                .toAbsolutePath().normalize() + ")");
        System.out.println("  " + r.name("library/tiny", "q8"));
        System.out.println("  " + r.name("library/tiny", "q4"));
        System.out.println("  " + r.name("library/qwen3", "latest"));
        System.out.flush();
        Thread.currentThread().join();
    }
}
