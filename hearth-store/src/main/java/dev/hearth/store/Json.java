package dev.hearth.store;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON mapper of the store, configured for hostile input: duplicate keys are an error (two readers
 * could otherwise disagree about a manifest), nesting and string lengths are bounded.
 */
public final class Json {
    private Json() {}

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(64)
                            .maxStringLength(64 << 20)
                            .maxNumberLength(64)
                            .build())
                    .build())
            .build();

    /** Parses a JSON document; {@code what} names it in the error message. */
    public static JsonNode parse(byte[] bytes, String what) throws StoreException {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw new StoreException(what + " is empty");
            }
            return node;
        } catch (JacksonException e) {
            throw new StoreException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** Compact UTF-8 bytes of a tree. */
    public static byte[] bytes(JsonNode node) {
        return MAPPER.writeValueAsBytes(node);
    }
}
