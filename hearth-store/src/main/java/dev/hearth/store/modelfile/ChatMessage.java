package dev.hearth.store.modelfile;

import java.util.Set;

/** A message of a model's built-in history ({@code MESSAGE} in a Modelfile, the messages layer). */
public record ChatMessage(String role, String content) {

    public static final Set<String> ROLES = Set.of("system", "user", "assistant");

    public ChatMessage {
        if (role == null || content == null) {
            throw new IllegalArgumentException("message role and content are required");
        }
    }
}
