package dev.hearth.server.conversations;

import dev.hearth.server.api.ApiException;
import dev.hearth.server.api.Fields;
import dev.hearth.server.api.Json;
import dev.hearth.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The web page's chats, one JSON file each ({@code <dir>/<id>.json}), so that they survive restarts and
 * follow the user to another browser. Ids are 32 random hex digits made here and checked on every request,
 * so no request names a path. Files are replaced atomically (temporary file, flush, rename): a crash leaves
 * the old chat or the new one, never half of one. The directory is private to the user (0700) where the file
 * system has POSIX permissions, since chats are personal.
 *
 * <p>Listing re-reads only files whose size or modification time changed since the last listing, so a long
 * history lists quickly; files that are not valid conversations are skipped there and reported when opened.
 */
public final class ConversationStore {
    /** Largest conversation accepted or read: far beyond any context window, small enough to hold in memory. */
    public static final int MAX_BYTES = 16 << 20;
    /** Most conversations kept; beyond this a new one is refused until some are deleted. */
    public static final int MAX_CONVERSATIONS = 10_000;

    private static final String SUFFIX = ".json";

    private record Listed(FileTime modified, long size, ObjectNode summary) {}

    private final Path dir;
    private final int maxBytes;
    private final int maxConversations;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Listed> listing = new HashMap<>();

    public ConversationStore(Path dir) {
        this(dir, MAX_BYTES, MAX_CONVERSATIONS);
    }

    ConversationStore(Path dir, int maxBytes, int maxConversations) {
        this.dir = dir.toAbsolutePath();
        this.maxBytes = maxBytes;
        this.maxConversations = maxConversations;
    }

    /** The largest conversation this store keeps, in bytes of JSON; larger request bodies are refused. */
    public int maxBytes() {
        return maxBytes;
    }

    public Path directory() {
        return dir;
    }

    /**
     * Summaries ({@code id, title, model, created_at, updated_at, messages} as a count), most recently updated
     * first; with a query, only those whose title contains it, ignoring case.
     */
    public synchronized List<ObjectNode> list(String query) {
        String needle = query == null ? "" : query.strip().toLowerCase(Locale.ROOT);
        Map<String, Listed> seen = new HashMap<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    String id = name.substring(0, name.length() - SUFFIX.length());
                    if (!ConversationFormat.validId(id)) {
                        continue;
                    }
                    Listed l = summary(id, f);
                    if (l != null) {
                        seen.put(id, l);
                    }
                }
            } catch (IOException e) {
                throw new ApiException(500, "cannot list saved chats in " + dir + ": " + e.getMessage());
            }
        }
        listing.clear();
        listing.putAll(seen);
        List<ObjectNode> out = new ArrayList<>();
        for (Listed l : seen.values()) {
            if (needle.isEmpty() || l.summary.get("title").asString().toLowerCase(Locale.ROOT).contains(needle)) {
                out.add(l.summary);
            }
        }
        out.sort(Comparator.comparing((ObjectNode o) -> o.get("updated_at").asString()).reversed()
                .thenComparing(o -> o.get("id").asString()));
        return out;
    }

    private Listed summary(String id, Path f) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(f, BasicFileAttributes.class);
        } catch (IOException e) {
            return null; // deleted meanwhile
        }
        Listed cached = listing.get(id);
        if (cached != null && cached.modified.equals(a.lastModifiedTime()) && cached.size == a.size()) {
            return cached;
        }
        ObjectNode c;
        try {
            c = read(id);
        } catch (ApiException e) {
            return null; // damaged or too large: opening it says why
        }
        ObjectNode s = Json.object();
        s.put("id", id);
        s.set("title", c.get("title"));
        s.set("model", c.get("model"));
        s.set("created_at", c.get("created_at"));
        s.set("updated_at", c.get("updated_at"));
        s.put("messages", c.get("messages").size());
        return new Listed(a.lastModifiedTime(), a.size(), s);
    }

    /** The whole conversation; 404 if there is none with that id. */
    public synchronized ObjectNode get(String id) {
        return read(checkId(id));
    }

    /** Creates a conversation from the request's title, model, system, options and messages. */
    public synchronized ObjectNode create(Fields req) {
        if (list(null).size() >= maxConversations) {
            throw new ApiException(507, "there are " + maxConversations + " saved chats, the most Hearth keeps; "
                    + "delete some to start new ones");
        }
        String id;
        do {
            byte[] b = new byte[16];
            random.nextBytes(b);
            id = HexFormat.of().formatHex(b);
        } while (Files.exists(file(id)));
        String now = Instant.now().toString();
        ObjectNode c = assemble(id, ConversationFormat.header(req), ConversationFormat.messages(req), now, now);
        write(c);
        return c;
    }

    /**
     * Replaces a conversation ({@code replace}: fields the request leaves out are reset, as PUT does) or updates
     * the fields the request names (PATCH). The creation time is kept; the update time is now.
     */
    public synchronized ObjectNode update(String id, Fields req, boolean replace) {
        ObjectNode old = read(checkId(id));
        ObjectNode header = ConversationFormat.header(req);
        if (!replace) {
            for (String f : List.of("title", "model", "system", "options")) {
                if (!header.has(f)) {
                    header.set(f, old.get(f));
                }
            }
        }
        JsonNode messages = replace || req.has("messages") ? ConversationFormat.messages(req) : old.get("messages");
        ObjectNode c = assemble(id, header, messages, old.get("created_at").asString(), Instant.now().toString());
        write(c);
        return c;
    }

    /** Deletes a conversation; 404 if there is none. */
    public synchronized void delete(String id) {
        Path f = file(checkId(id));
        try {
            if (!Files.deleteIfExists(f)) {
                throw notFound(id);
            }
            AtomicFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw new ApiException(500, "cannot delete the chat file " + f + ": " + e.getMessage());
        }
        listing.remove(id);
    }

    private static ObjectNode assemble(String id, ObjectNode header, JsonNode messages, String created, String updated) {
        ObjectNode c = Json.object();
        c.put("id", id);
        c.put("title", header.has("title") ? header.get("title").asString() : ConversationFormat.DEFAULT_TITLE);
        c.put("model", header.has("model") ? header.get("model").asString() : "");
        c.put("system", header.has("system") ? header.get("system").asString() : "");
        c.set("options", header.has("options") ? header.get("options") : Json.object());
        c.put("created_at", created);
        c.put("updated_at", updated);
        c.set("messages", messages);
        return c;
    }

    private void write(ObjectNode c) {
        byte[] bytes = Json.bytes(c);
        if (bytes.length > maxBytes) {
            throw new ApiException(413, "the chat is larger than " + megabytes(maxBytes) + "; start a new one");
        }
        try {
            createPrivateDirectory();
            AtomicFiles.write(file(c.get("id").asString()), bytes);
        } catch (IOException e) {
            throw new ApiException(500, "cannot save the chat in " + dir + ": " + e.getMessage());
        }
    }

    private void createPrivateDirectory() throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Files.createDirectories(dir.getParent());
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // created meanwhile by another process
        }
    }

    /** Reads and re-validates a stored conversation: the file may have been edited by hand. */
    private ObjectNode read(String id) {
        Path f = file(id);
        byte[] bytes;
        try {
            if (Files.size(f) > maxBytes) {
                throw new ApiException(500, "the chat file " + f + " is larger than " + megabytes(maxBytes));
            }
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            throw notFound(id);
        } catch (IOException e) {
            throw new ApiException(500, "cannot read the chat file " + f + ": " + e.getMessage());
        }
        try {
            JsonNode n = Json.mapper().readTree(bytes);
            if (n == null || !n.isObject()) {
                throw new ApiException(500, "the chat file " + f + " does not hold a JSON object");
            }
            Fields stored = new Fields((ObjectNode) n);
            String created = timestamp(stored, "created_at");
            String updated = timestamp(stored, "updated_at");
            return assemble(id, ConversationFormat.header(stored), ConversationFormat.messages(stored), created, updated);
        } catch (JacksonException e) {
            throw new ApiException(500, "the chat file " + f + " is not valid JSON: " + e.getOriginalMessage());
        } catch (ApiException e) {
            if (e.status() == 400) {
                throw new ApiException(500, "the chat file " + f + " is damaged: " + e.getMessage());
            }
            throw e;
        }
    }

    private static String timestamp(Fields stored, String name) {
        String t = stored.string(name).orElse("");
        return t.length() > ConversationFormat.MAX_TIMESTAMP ? "" : t;
    }

    private static String megabytes(int bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    private Path file(String id) {
        return dir.resolve(id + SUFFIX);
    }

    private static String checkId(String id) {
        if (!ConversationFormat.validId(id)) {
            throw ApiException.badRequest("'" + ConversationFormat.printable(id) + "' is not a chat id (32 hex digits)");
        }
        return id;
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("chat '" + id + "' not found");
    }
}
