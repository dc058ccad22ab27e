package dev.hearth.server.api;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The server's JSON mapper, configured for hostile request bodies: duplicate keys are an error, trailing
 * content is an error, nesting depth and string/number lengths are bounded (a 32 MiB body cannot build a
 * tree deep enough to overflow the stack).
 */
public final class Json {
    private Json() {}

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(100)
                            .maxStringLength(32 << 20)
                            .maxNumberLength(100)
                            .maxNameLength(1024)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** Parses a request body that must be one JSON object; anything else is a 400. */
    public static ObjectNode parseObject(byte[] body) {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.badRequest("invalid JSON in the request body: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw ApiException.badRequest("the request body is empty; expected a JSON object");
        }
        if (!node.isObject()) {
            throw ApiException.badRequest("the request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    public static String write(JsonNode node) {
        return MAPPER.writeValueAsString(node);
    }

    public static byte[] bytes(JsonNode node) {
        return MAPPER.writeValueAsBytes(node);
    }
}
