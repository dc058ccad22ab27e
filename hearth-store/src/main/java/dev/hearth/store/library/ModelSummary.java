package dev.hearth.store.library;

import java.time.Instant;

/**
 * A line of {@code hearth list}.
 *
 * @param name the shortest form of the name ({@code llama3.2:latest})
 * @param id first 12 hex digits of the manifest's SHA-256
 * @param size bytes of all the model's blobs
 * @param family {@code model_family} from the config blob, or null
 * @param parameterSize {@code model_type} from the config blob ("8.0B"), or null
 * @param quantization {@code file_type} from the config blob ("Q4_K_M"), or null
 */
public record ModelSummary(String name, String fullName, String id, long size, Instant modified, String family,
        String parameterSize, String quantization) {}
