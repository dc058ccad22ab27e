package dev.hearth.cli;

import dev.hearth.engine.ComputePool;
import dev.hearth.engine.GenerationListener;
import dev.hearth.engine.GenerationOptions;
import dev.hearth.engine.GenerationResult;
import dev.hearth.engine.Generator;
import dev.hearth.engine.LoadedModel;
import dev.hearth.config.HearthSettings;
import dev.hearth.sampling.SamplerConfig;
import dev.hearth.store.ModelStore;
import dev.hearth.store.hardware.FitCheck;
import dev.hearth.store.hardware.Hardware;
import dev.hearth.store.library.ModelResolver;
import dev.hearth.store.library.ResolvedModel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;

/** {@code hearth generate}: raw text completion with a model file, streamed or as one JSON object. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Complete a prompt with a model (installed or a GGUF file; no chat template), streaming the text.")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "NAME|FILE",
            description = "installed model (e.g. llama3.2:1b) or GGUF file; an installed model's PARAMETERs are the defaults")
    String model;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @ArgGroup(multiplicity = "1")
    PromptSource prompt;

    static final class PromptSource {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "prompt text")
        String text;

        @Option(names = "--prompt-file", paramLabel = "FILE", description = "read the prompt from a file (UTF-8)")
        Path file;
    }

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "-1", description = "tokens to generate; -1 until end of text or full context (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 for greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 to disable (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "1 to disable (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "0 to disable (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "1 to disable (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "tokens the penalties look back (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--presence-penalty", defaultValue = "0")
    float presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0")
    float frequencyPenalty;

    @Option(names = "--seed", defaultValue = "-1", description = "random seed; -1 for a random one (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop at this text (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = {"-c", "--ctx"}, description = "context length (default: the model's, at most 4096)")
    Integer ctx;

    @Option(names = {"-t", "--threads"}, description = "compute threads (default: all cores)")
    Integer threads;

    @Option(names = "--json", description = "print one JSON object with tokens, text and (with --top-logits) logits")
    boolean json;

    @Option(names = "--top-logits", paramLabel = "K", defaultValue = "0", description = "with --json: the K largest logits at every prompt position and step")
    int topLogits;

    @Option(names = "--verbose", description = "print timings to stderr")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (topLogits < 0 || topLogits > 1000) {
            throw new IllegalArgumentException("--top-logits must be between 0 and 1000");
        }
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw new IllegalArgumentException("--threads must be between 1 and 1024");
        }
        String text = prompt.text != null ? prompt.text : Files.readString(prompt.file, StandardCharsets.UTF_8);
        HearthSettings settings = main != null ? main.settings() : HearthSettings.fromEnvironment();
        ResolvedModel resolved = new ModelResolver(new ModelStore(settings.models())).resolve(model);
        applyModelParameters(resolved);
        SamplerConfig sampler = new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN,
                presencePenalty, frequencyPenalty, seed);
        PrintStream out = System.out; // UTF-8: the launcher sets stdout.encoding
        try (LoadedModel loaded = LoadedModel.open(resolved.modelPath(), settings.repackCache().orElse(null));
                ComputePool pool = new ComputePool(threads != null ? threads : ComputePool.defaultThreads())) {
            int context = ctx != null ? ctx : loaded.defaultContextLength(4096);
            if (context < 2 || context > 1 << 20) {
                throw new IllegalArgumentException("--ctx must be between 2 and 1048576");
            }
            FitCheck.warning(resolved.name(), resolved.modelPath(), context, Hardware.totalMemoryBytes())
                    .ifPresent(w -> System.err.println("hearth: warning: " + w));
            try (Generator generator = new Generator(loaded.model(), loaded.tokenizer(), context, pool, false, Generator.DEFAULT_BATCH)) {
                int[] promptTokens = generator.tokenizePrompt(text, true);
                boolean wantLogits = json && topLogits > 0;
                List<List<Object[]>> promptTop = new ArrayList<>();
                List<List<Object[]>> generatedTop = new ArrayList<>();
                GenerationListener listener = new GenerationListener() {
                    @Override
                    public void onPromptLogits(int index, float[] logits, int offset) {
                        promptTop.add(TopLogits.of(logits, offset, loaded.model().config().vocabSize(), topLogits));
                    }

                    @Override
                    public void onGenerationLogits(int step, float[] logits, int offset) {
                        if (wantLogits) {
                            generatedTop.add(TopLogits.of(logits, offset, loaded.model().config().vocabSize(), topLogits));
                        }
                    }

                    @Override
                    public void onText(String piece) {
                        if (!json) {
                            out.print(piece);
                            out.flush();
                        }
                    }
                };
                GenerationOptions options = new GenerationOptions(maxTokens, sampler, stop, wantLogits);
                GenerationResult result = generator.generate(promptTokens, options, listener);
                if (json) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("prompt_tokens", promptTokens);
                    o.put("tokens", result.tokens());
                    o.put("text", result.text());
                    o.put("done_reason", result.doneReason());
                    if (wantLogits) {
                        o.put("prompt_top", promptTop);
                        o.put("generated_top", generatedTop);
                    }
                    out.println(new ObjectMapper().writeValueAsString(o));
                } else {
                    out.println();
                }
                if (verbose) {
                    System.err.printf("prompt: %d tokens in %.2f s (%.1f tok/s); generated %d tokens in %.2f s (%.1f tok/s); done: %s%n",
                            result.promptTokensEvaluated(), result.promptNanos() / 1e9,
                            result.promptTokensEvaluated() / Math.max(1e-9, result.promptNanos() / 1e9),
                            result.tokens().length, result.evalNanos() / 1e9,
                            result.tokens().length / Math.max(1e-9, result.evalNanos() / 1e9), result.doneReason());
                }
            }
        }
        return 0;
    }

    /**
     * An installed model's PARAMETERs (its params layer) become the defaults of the options the user did not
     * give, as Ollama applies them: num_ctx, num_predict, temperature, top_k, top_p, min_p, repeat_penalty,
     * repeat_last_n, presence_penalty, frequency_penalty, seed and stop.
     */
    private void applyModelParameters(ResolvedModel r) {
        if (r.parameters().isEmpty() || spec == null) {
            return;
        }
        var parsed = spec.commandLine().getParseResult();
        if (ctx == null) {
            r.intParameter("num_ctx").ifPresent(v -> ctx = v);
        }
        if (!parsed.hasMatchedOption("--max-tokens")) {
            r.intParameter("num_predict").ifPresent(v -> maxTokens = v);
        }
        if (!parsed.hasMatchedOption("--temperature")) {
            r.doubleParameter("temperature").ifPresent(v -> temperature = v.floatValue());
        }
        if (!parsed.hasMatchedOption("--top-k")) {
            r.intParameter("top_k").ifPresent(v -> topK = v);
        }
        if (!parsed.hasMatchedOption("--top-p")) {
            r.doubleParameter("top_p").ifPresent(v -> topP = v.floatValue());
        }
        if (!parsed.hasMatchedOption("--min-p")) {
            r.doubleParameter("min_p").ifPresent(v -> minP = v.floatValue());
        }
        if (!parsed.hasMatchedOption("--repeat-penalty")) {
            r.doubleParameter("repeat_penalty").ifPresent(v -> repeatPenalty = v.floatValue());
        }
        if (!parsed.hasMatchedOption("--repeat-last-n")) {
            r.intParameter("repeat_last_n").ifPresent(v -> repeatLastN = v);
        }
        if (!parsed.hasMatchedOption("--presence-penalty")) {
            r.doubleParameter("presence_penalty").ifPresent(v -> presencePenalty = v.floatValue());
        }
        if (!parsed.hasMatchedOption("--frequency-penalty")) {
            r.doubleParameter("frequency_penalty").ifPresent(v -> frequencyPenalty = v.floatValue());
        }
        if (!parsed.hasMatchedOption("--seed")) {
            r.intParameter("seed").ifPresent(v -> seed = v);
        }
        if (!parsed.hasMatchedOption("--stop")) {
            stop = new ArrayList<>(r.stop());
        }
    }

    /** The K largest logits as [id, logit] pairs, largest first. */
    static final class TopLogits {
        static List<Object[]> of(float[] logits, int offset, int vocab, int k) {
            Integer[] ids = new Integer[vocab];
            for (int i = 0; i < vocab; i++) {
                ids[i] = i;
            }
            java.util.Arrays.sort(ids, (a, b) -> Float.compare(logits[offset + b], logits[offset + a]));
            List<Object[]> top = new ArrayList<>(k);
            for (int i = 0; i < Math.min(k, vocab); i++) {
                top.add(new Object[] {ids[i], logits[offset + ids[i]]});
            }
            return top;
        }
    }
}
