package dev.hearth.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the GGUF tests share: the golden test files, parsing images, and measuring what a parse allocates. */
final class GgufTesting {
    private GgufTesting() {}

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A file under the repository's {@code testdata/} (set by surefire as {@code hearth.testdata}). */
    static Path testdata(String relative) {
        String root = System.getProperty("hearth.testdata", "../testdata");
        Path p = Path.of(root, relative);
        assertThat(p).as("golden test data (see testdata/README.md)").exists();
        return p;
    }

    static byte[] readTestdata(String relative) throws Exception {
        return Files.readAllBytes(testdata(relative));
    }

    static GgufFile read(byte[] image) {
        return GgufFile.read(MemorySegment.ofArray(image));
    }

    static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Parses {@code image}, expecting a {@link GgufException} whose message contains every one of
     * {@code messageParts}; also checks the failed parse allocated no more than a small multiple of the
     * image (a hostile count must never turn into a huge allocation).
     */
    static GgufException assertMalformed(byte[] image, String... messageParts) {
        // The first run links the code paths it takes (string concatenation call sites allocate then);
        // the second run shows what parsing itself allocates.
        catchThrowable(() -> read(image));
        long before = allocatedBytes();
        Throwable t = catchThrowable(() -> read(image));
        long allocated = allocatedBytes() - before;
        assertThat(t).isInstanceOf(GgufException.class);
        for (String part : messageParts) {
            assertThat(t.getMessage()).contains(part);
        }
        assertThat(allocated).as("bytes allocated parsing a %d-byte image", image.length)
                .isLessThan(allocationBound(image.length));
        return (GgufException) t;
    }

    /** What parsing an image of {@code size} bytes may allocate: metadata objects are a few times the bytes. */
    static long allocationBound(long size) {
        return (1 << 20) + 32 * size;
    }
}
