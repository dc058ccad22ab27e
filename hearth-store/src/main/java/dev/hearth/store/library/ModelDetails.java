package dev.hearth.store.library;

import dev.hearth.store.hardware.Fit;
import dev.hearth.store.hardware.MemoryEstimate;
import dev.hearth.store.modelfile.ChatMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code hearth show} prints.
 *
 * @param facts read from the GGUF weights
 * @param capabilities "completion" or "embedding", plus "tools", "vision" where they apply
 * @param template the template layer, else the GGUF's {@code tokenizer.chat_template}; null if neither
 * @param parameters typed runtime parameters from the params layer
 * @param memory memory needed at the context length the model runs with by default
 * @param machineMemory this machine's physical memory (0 if unknown)
 * @param modelfile a Modelfile that rebuilds this model
 */
public record ModelDetails(ModelSummary summary, Path modelPath, ModelFacts facts, List<String> capabilities,
        String template, String system, Map<String, Object> parameters, List<String> licenses,
        List<ChatMessage> messages, MemoryEstimate memory, long machineMemory, String modelfile) {

    public Fit fit() {
        return memory.fitIn(machineMemory);
    }
}
