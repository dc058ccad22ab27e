package dev.hearth.store;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One entry of a manifest: a blob by digest, its size in bytes and what it holds.
 *
 * @param from for layers copied from another model, that model's name (informational); null if absent
 */
public record Layer(String mediaType, Digest digest, long size, String from) {

    /** Media types are short ASCII words; a longer one is not a media type. */
    static final int MAX_MEDIA_TYPE_LENGTH = 255;

    public Layer {
        if (mediaType == null || mediaType.isEmpty() || mediaType.length() > MAX_MEDIA_TYPE_LENGTH) {
            throw new IllegalArgumentException("layer media type is empty or longer than " + MAX_MEDIA_TYPE_LENGTH);
        }
        if (digest == null) {
            throw new IllegalArgumentException("layer has no digest");
        }
        if (size < 0) {
            throw new IllegalArgumentException("layer size " + size + " is negative");
        }
    }

    public Layer(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null);
    }

    static Layer fromJson(JsonNode node, String what) throws StoreException {
        if (node == null || !node.isObject()) {
            throw new StoreException(what + " is not a JSON object");
        }
        JsonNode mt = node.get("mediaType");
        JsonNode dg = node.get("digest");
        JsonNode sz = node.get("size");
        if (mt == null || !mt.isString() || mt.stringValue().isEmpty()) {
            throw new StoreException(what + " has no mediaType");
        }
        if (mt.stringValue().length() > MAX_MEDIA_TYPE_LENGTH || !mt.stringValue().chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new StoreException(what + " has an invalid mediaType");
        }
        if (dg == null || !dg.isString()) {
            throw new StoreException(what + " has no digest");
        }
        Digest digest;
        try {
            digest = Digest.parse(dg.stringValue());
        } catch (IllegalArgumentException e) {
            throw new StoreException(what + ": " + e.getMessage());
        }
        if (sz == null || !sz.isIntegralNumber() || !sz.canConvertToLong() || sz.longValue() < 0) {
            throw new StoreException(what + " has no valid size (a whole number of bytes, at least 0)");
        }
        JsonNode fromNode = node.get("from");
        String from = fromNode != null && fromNode.isString() && !fromNode.stringValue().isEmpty()
                ? fromNode.stringValue() : null;
        return new Layer(mt.stringValue(), digest, sz.longValue(), from);
    }

    ObjectNode toJson() {
        ObjectNode n = Json.object();
        n.put("mediaType", mediaType);
        n.put("digest", digest.toString());
        n.put("size", size);
        if (from != null) {
            n.put("from", from);
        }
        return n;
    }
}
