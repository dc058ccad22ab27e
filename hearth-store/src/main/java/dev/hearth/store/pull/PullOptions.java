package dev.hearth.store.pull;

import java.time.Duration;

/**
 * How a pull talks to the registry. {@link #defaults()} suits real registries and multi-gigabyte blobs;
 * tests shrink parts, timeouts and backoff.
 *
 * @param insecure allow plain HTTP (and only then): for local test registries
 * @param minPartSize smallest ranged part a blob is split into (the last part may be smaller)
 * @param maxPartSize largest part
 * @param partsPerBlob how many parts a blob is split into when the sizes above allow
 * @param maxParallelParts parts downloading at the same time
 * @param maxRetries failed attempts in a row (without progress) before a part, or the manifest, gives up
 * @param initialBackoff wait after the first failure; doubles each time up to {@code maxBackoff}
 * @param stallTimeout a part that receives nothing for this long is cut and retried
 * @param responseTimeout longest wait for response headers
 * @param connectTimeout longest wait for a connection (including the TLS handshake)
 * @param maxRedirects redirects followed per request
 * @param diskReserve free space to leave on the store's disk after the pull
 * @param checkpointInterval how often the resume record of a download is brought up to date
 */
public record PullOptions(boolean insecure, long minPartSize, long maxPartSize, int partsPerBlob,
        int maxParallelParts, int maxRetries, Duration initialBackoff, Duration maxBackoff, Duration stallTimeout,
        Duration responseTimeout, Duration connectTimeout, int maxRedirects, long diskReserve, Duration checkpointInterval) {

    public PullOptions {
        if (minPartSize < 1 || maxPartSize < minPartSize || partsPerBlob < 1 || maxParallelParts < 1
                || maxRetries < 0 || maxRedirects < 0 || diskReserve < 0) {
            throw new IllegalArgumentException("invalid pull options");
        }
    }

    public static PullOptions defaults() {
        return new PullOptions(false, 64L << 20, 1L << 30, 16, 8, 6, Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(30), 10, 256L << 20,
                Duration.ofSeconds(1));
    }

    public PullOptions withInsecure(boolean value) {
        return new PullOptions(value, minPartSize, maxPartSize, partsPerBlob, maxParallelParts, maxRetries,
                initialBackoff, maxBackoff, stallTimeout, responseTimeout, connectTimeout, maxRedirects, diskReserve, checkpointInterval);
    }

    public PullOptions withPartSizes(long min, long max) {
        return new PullOptions(insecure, min, max, partsPerBlob, maxParallelParts, maxRetries,
                initialBackoff, maxBackoff, stallTimeout, responseTimeout, connectTimeout, maxRedirects, diskReserve, checkpointInterval);
    }

    public PullOptions withRetries(int retries, Duration initial, Duration max) {
        return new PullOptions(insecure, minPartSize, maxPartSize, partsPerBlob, maxParallelParts, retries,
                initial, max, stallTimeout, responseTimeout, connectTimeout, maxRedirects, diskReserve, checkpointInterval);
    }

    public PullOptions withTimeouts(Duration stall, Duration response) {
        return new PullOptions(insecure, minPartSize, maxPartSize, partsPerBlob, maxParallelParts, maxRetries,
                initialBackoff, maxBackoff, stall, response, connectTimeout, maxRedirects, diskReserve, checkpointInterval);
    }

    public PullOptions withConnectTimeout(Duration connect) {
        return new PullOptions(insecure, minPartSize, maxPartSize, partsPerBlob, maxParallelParts, maxRetries,
                initialBackoff, maxBackoff, stallTimeout, responseTimeout, connect, maxRedirects, diskReserve,
                checkpointInterval);
    }

    public PullOptions withDiskReserve(long bytes) {
        return new PullOptions(insecure, minPartSize, maxPartSize, partsPerBlob, maxParallelParts, maxRetries,
                initialBackoff, maxBackoff, stallTimeout, responseTimeout, connectTimeout, maxRedirects, bytes, checkpointInterval);
    }

    public PullOptions withCheckpointInterval(Duration interval) {
        return new PullOptions(insecure, minPartSize, maxPartSize, partsPerBlob, maxParallelParts, maxRetries,
                initialBackoff, maxBackoff, stallTimeout, responseTimeout, connectTimeout, maxRedirects, diskReserve, interval);
    }

    /** Part size for a blob: its size over {@link #partsPerBlob}, clamped to the min and max part sizes. */
    long partSize(long blobSize) {
        long even = blobSize / partsPerBlob + (blobSize % partsPerBlob == 0 ? 0 : 1);
        return Math.max(minPartSize, Math.min(maxPartSize, even));
    }

    /** Backoff before attempt {@code failures + 1}: initial, doubling, capped. */
    Duration backoff(int failures) {
        Duration d = initialBackoff;
        for (int i = 1; i < failures && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
