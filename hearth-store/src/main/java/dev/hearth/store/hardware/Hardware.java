package dev.hearth.store.hardware;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * This machine, as far as running models is concerned.
 *
 * @param cpuModel the processor's marketing name, or the architecture if it cannot be found
 * @param cores logical processors available to the JVM
 * @param vectorBits width of the Vector API's preferred float vector (0 if the incubator module is absent)
 * @param totalMemory physical memory in bytes
 * @param availableMemory memory that can be used without swapping (Linux: MemAvailable; elsewhere: free)
 * @param runtime vendor and version of the running JDK
 */
public record Hardware(String cpuModel, String arch, String os, int cores, int vectorBits, long totalMemory,
        long availableMemory, String runtime) {

    public static Hardware detect() {
        String arch = System.getProperty("os.arch", "unknown");
        String os = System.getProperty("os.name", "unknown");
        long total = 0;
        long free = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean bean) {
            total = bean.getTotalMemorySize();
            free = bean.getFreeMemorySize();
        }
        long available = linuxMemAvailable();
        return new Hardware(cpuModel(os, arch), arch, os, Runtime.getRuntime().availableProcessors(), preferredVectorBits(),
                total, available > 0 ? available : free,
                System.getProperty("java.vm.vendor", "?") + " " + Runtime.version());
    }

    /** Physical memory only (cheap), for fit checks. */
    public static long totalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean bean) {
            return bean.getTotalMemorySize();
        }
        return 0;
    }

    private static int preferredVectorBits() {
        try {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        } catch (LinkageError e) {
            return 0; // started without --add-modules jdk.incubator.vector
        }
    }

    private static long linuxMemAvailable() {
        Path p = Path.of("/proc/meminfo");
        if (!Files.isReadable(p)) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(p, StandardCharsets.US_ASCII)) {
                if (line.startsWith("MemAvailable:")) {
                    String[] parts = line.substring("MemAvailable:".length()).strip().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static String cpuModel(String os, String arch) {
        String lower = os.toLowerCase(Locale.ROOT);
        try {
            if (lower.contains("linux") && Files.isReadable(Path.of("/proc/cpuinfo"))) {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        String key = line.substring(0, colon).strip();
                        if (key.equals("model name") || key.equals("Model") || key.equals("Hardware")) {
                            String v = line.substring(colon + 1).strip();
                            if (!v.isEmpty()) {
                                return v;
                            }
                        }
                    }
                }
            } else if (lower.contains("mac")) {
                Process p = new ProcessBuilder("sysctl", "-n", "machdep.cpu.brand_string").redirectErrorStream(true).start();
                if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                    if (!v.isEmpty()) {
                        return v;
                    }
                }
            } else if (lower.contains("windows") && System.getenv("PROCESSOR_IDENTIFIER") != null) {
                return System.getenv("PROCESSOR_IDENTIFIER");
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the architecture
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return arch;
    }
}
