package dev.hearth.store.pull;

import dev.hearth.store.AtomicFiles;
import dev.hearth.store.Digest;
import dev.hearth.store.Json;
import dev.hearth.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The resume record of one blob download, kept beside its {@code -partial} data file:
 * {@code {"digest":"sha256:..","size":N,"parts":[[offset,length,done],...]}}. Part {@code i} has its first
 * {@code done} bytes in the data file. It is written only after the data file has been flushed, so it never
 * claims bytes a crash could have lost; anything odd about it (other digest or size, parts that do not tile
 * the blob) makes the download start over rather than trust it.
 */
final class ResumeState {

    static final class Part {
        final int index;
        final long offset;
        final long length;
        final AtomicLong done;

        Part(int index, long offset, long length, long done) {
            this.index = index;
            this.offset = offset;
            this.length = length;
            this.done = new AtomicLong(done);
        }

        boolean finished() {
            return done.get() >= length;
        }
    }

    final Digest digest;
    final long size;
    final List<Part> parts;

    private ResumeState(Digest digest, long size, List<Part> parts) {
        this.digest = digest;
        this.size = size;
        this.parts = List.copyOf(parts);
    }

    /** A fresh plan: the blob cut into parts of {@code partSize} bytes (the last one shorter). */
    static ResumeState plan(Digest digest, long size, long partSize) {
        List<Part> parts = new ArrayList<>();
        long offset = 0;
        while (offset < size) {
            long len = Math.min(partSize, size - offset);
            parts.add(new Part(parts.size(), offset, len, 0));
            offset += len;
        }
        return new ResumeState(digest, size, parts);
    }

    long doneBytes() {
        long total = 0;
        for (Part p : parts) {
            total += p.done.get();
        }
        return total;
    }

    /**
     * Reads a resume record, or returns null if there is none or it does not describe this exact blob (it is
     * then ignored and the download restarts).
     */
    static ResumeState load(Path file, Digest digest, long size) {
        byte[] bytes;
        try {
            if (Files.size(file) > (1 << 20)) {
                return null;
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
        try {
            JsonNode root = Json.parse(bytes, "resume record");
            JsonNode d = root.get("digest");
            JsonNode s = root.get("size");
            JsonNode ps = root.get("parts");
            if (d == null || !d.isString() || !d.stringValue().equals(digest.toString())
                    || s == null || !s.isIntegralNumber() || !s.canConvertToLong() || s.longValue() != size
                    || ps == null || !ps.isArray() || ps.size() > 1_000_000) {
                return null;
            }
            List<Part> parts = new ArrayList<>(ps.size());
            long expectedOffset = 0;
            for (int i = 0; i < ps.size(); i++) {
                JsonNode p = ps.get(i);
                if (!p.isArray() || p.size() != 3) {
                    return null;
                }
                long[] v = new long[3];
                for (int k = 0; k < 3; k++) {
                    JsonNode x = p.get(k);
                    if (!x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 0) {
                        return null;
                    }
                    v[k] = x.longValue();
                }
                if (v[0] != expectedOffset || v[1] == 0 || v[2] > v[1] || v[1] > size - expectedOffset) {
                    return null;
                }
                parts.add(new Part(i, v[0], v[1], v[2]));
                expectedOffset += v[1];
            }
            if (expectedOffset != size) {
                return null;
            }
            return new ResumeState(digest, size, parts);
        } catch (StoreException | RuntimeException e) {
            return null;
        }
    }

    /** Writes the record atomically with the given per-part progress (a snapshot taken before a flush). */
    static void save(Path file, Digest digest, long size, List<Part> parts, long[] done) throws IOException {
        ObjectNode root = Json.object();
        root.put("digest", digest.toString());
        root.put("size", size);
        ArrayNode arr = root.putArray("parts");
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            arr.addArray().add(p.offset).add(p.length).add(done[i]);
        }
        AtomicFiles.write(file, Json.bytes(root));
    }

    long[] snapshot() {
        long[] done = new long[parts.size()];
        for (int i = 0; i < done.length; i++) {
            done[i] = parts.get(i).done.get();
        }
        return done;
    }
}
