package dev.hearth.server.prompt;

import dev.hearth.chat.template.ChatTemplate;
import dev.hearth.chat.template.TemplateException;
import dev.hearth.chat.template.TemplateLimitException;
import dev.hearth.chat.template.TemplateRaisedException;
import dev.hearth.chat.template.TemplateSyntaxException;
import dev.hearth.server.api.ApiException;
import dev.hearth.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns conversations into prompt tokens for one model: its chat template (Jinja, from the model's TEMPLATE
 * layer or the GGUF's {@code tokenizer.chat_template}, else ChatML), rendered with the request's text
 * protected by a {@link ControlTokenGuard}.
 */
public final class PromptFormat {
    /** Ollama's Go templates: actions that start with a field ({@code {{ .System }}}) or a Go keyword. */
    private static final Pattern GO_TEMPLATE = Pattern.compile(
            "\\{\\{-?\\s*(\\.|\\$|if\\s|range\\s|end\\b|else\\b|with\\s|template\\s|block\\s|define\\s|json\\s)");

    private final Tokenizer tokenizer;
    private final ControlTokenGuard guard;
    private final ChatTemplate template;
    private final String templateOrigin;
    private final String bosText;
    private final String eosText;
    /** For an Ollama Go template: the template's source and whether it reads .Messages; null for Jinja. */
    private final GoTemplate.Translation go;
    /** Legacy Go templates (no .Messages): the last turn renders only up to .Response (see renderGoLegacy). */
    private final ChatTemplate goCut;
    private final String cutMarker;

    private PromptFormat(Tokenizer tokenizer, ControlTokenGuard guard, ChatTemplate template, String templateOrigin) {
        this(tokenizer, guard, template, templateOrigin, null, null, null);
    }

    private PromptFormat(Tokenizer tokenizer, ControlTokenGuard guard, ChatTemplate template, String templateOrigin,
            GoTemplate.Translation go, ChatTemplate goCut, String cutMarker) {
        this.tokenizer = tokenizer;
        this.guard = guard;
        this.template = template;
        this.templateOrigin = templateOrigin;
        this.go = go;
        this.goCut = goCut;
        this.cutMarker = cutMarker;
        this.bosText = tokenizer.bosId() >= 0 ? tokenizer.tokenText(tokenizer.bosId()) : "";
        this.eosText = tokenizer.eosId() >= 0 ? tokenizer.tokenText(tokenizer.eosId()) : "";
    }

    /**
     * Picks the template: the model's TEMPLATE layer (Jinja, or Ollama's Go syntax, translated by
     * {@link GoTemplate}), else the GGUF's chat template, else ChatML.
     *
     * @param warnings told when a template is skipped or does not parse
     */
    public static PromptFormat forModel(Tokenizer tokenizer, String layerTemplate, String ggufTemplate,
            java.util.function.Consumer<String> warnings) {
        ControlTokenGuard guard = new ControlTokenGuard(tokenizer);
        if (layerTemplate != null && !layerTemplate.isBlank()) {
            if (isGoTemplate(layerTemplate)) {
                try {
                    return fromGo(tokenizer, guard, layerTemplate, "TEMPLATE layer (Go)");
                } catch (GoTemplate.GoTemplateException | TemplateSyntaxException e) {
                    warnings.accept("the model's TEMPLATE (Go syntax) cannot be used (" + e.getMessage()
                            + "); using the GGUF's chat template");
                }
            } else {
                try {
                    return new PromptFormat(tokenizer, guard, ChatTemplate.compile(layerTemplate), "TEMPLATE layer");
                } catch (TemplateSyntaxException e) {
                    warnings.accept("the model's TEMPLATE does not parse (" + e.getMessage() + "); using the GGUF's");
                }
            }
        }
        if (ggufTemplate != null && !ggufTemplate.isBlank()) {
            try {
                return new PromptFormat(tokenizer, guard, ChatTemplate.compile(ggufTemplate), "tokenizer.chat_template");
            } catch (TemplateSyntaxException e) {
                warnings.accept("the GGUF chat template does not parse (" + e.getMessage() + "); using ChatML");
            }
        }
        return new PromptFormat(tokenizer, guard, ChatTemplate.fallback(), "ChatML (default)");
    }

    private static PromptFormat fromGo(Tokenizer tokenizer, ControlTokenGuard guard, String source, String origin) {
        GoTemplate.Translation t = GoTemplate.translate(source, null);
        ChatTemplate full = ChatTemplate.compile(t.jinja());
        if (t.usesMessages()) {
            return new PromptFormat(tokenizer, guard, full, origin, t, null, null);
        }
        String marker = ControlTokenGuard.OPEN + "cut-" + java.util.UUID.randomUUID() + ControlTokenGuard.OPEN;
        ChatTemplate cut = ChatTemplate.compile(GoTemplate.translate(source, marker).jinja());
        return new PromptFormat(tokenizer, guard, full, origin, t, cut, marker);
    }

    /** A request-supplied template ({@code template} of /api/generate): Ollama's Go syntax or Jinja. */
    public PromptFormat withTemplate(String source) {
        if (isGoTemplate(source)) {
            try {
                return fromGo(tokenizer, guard, source, "request (Go)");
            } catch (GoTemplate.GoTemplateException | TemplateSyntaxException e) {
                throw ApiException.badRequest("'template' (Go syntax) cannot be used: " + e.getMessage());
            }
        }
        try {
            return new PromptFormat(tokenizer, guard, ChatTemplate.compile(source), "request");
        } catch (TemplateSyntaxException e) {
            throw ApiException.badRequest("'template' does not parse: " + e.getMessage());
        }
    }

    static boolean isGoTemplate(String source) {
        return !source.contains("{%") && GO_TEMPLATE.matcher(source).find();
    }

    public String templateOrigin() {
        return templateOrigin;
    }

    public String templateSource() {
        return template.source();
    }

    public ControlTokenGuard guard() {
        return guard;
    }

    /**
     * Renders and tokenizes a conversation.
     *
     * @param messages plain Java values (maps with role, content...), as parsed from JSON; protected here
     * @param tools tool definitions, or null
     * @param extra more template variables (e.g. {@code enable_thinking}), not protected
     */
    public int[] chat(List<Map<String, Object>> messages, List<Object> tools, Map<String, Object> extra) {
        return tokenizeRendered(render(messages, tools, extra));
    }

    /** The rendered prompt, with request text still in sentinel form (see {@link ControlTokenGuard}). */
    @SuppressWarnings("unchecked")
    public String render(List<Map<String, Object>> messages, List<Object> tools, Map<String, Object> extra) {
        if (go != null) {
            List<Map<String, Object>> safeMessages = (List<Map<String, Object>>) guard.protect(messages);
            List<Object> safeTools = tools == null ? null : (List<Object>) guard.protect(tools);
            if (go.usesMessages()) {
                return renderWith(template, GoTemplateValues.forMessages(safeMessages, safeTools, extra));
            }
            return renderGoLegacy(safeMessages, safeTools, extra);
        }
        Map<String, Object> vars = new LinkedHashMap<>(extra);
        vars.put("messages", guard.protect(messages));
        if (tools != null && !tools.isEmpty()) {
            vars.put("tools", guard.protect(tools));
        }
        vars.put("add_generation_prompt", true);
        vars.put("bos_token", bosText);
        vars.put("eos_token", eosText);
        return renderWith(template, vars);
    }

    /**
     * Ollama's legacy mode, for Go templates that do not read {@code .Messages}: the template is rendered once
     * per turn with {@code .System}, {@code .Prompt} and {@code .Response}, and the last turn only up to
     * {@code .Response}, so the prompt ends where the model's answer starts (Ollama's template.Execute).
     */
    private String renderGoLegacy(List<Map<String, Object>> messages, List<Object> tools, Map<String, Object> extra) {
        StringBuilder out = new StringBuilder();
        String system = "";
        String prompt = "";
        String response = "";
        for (Map<String, Object> m : GoTemplateValues.collate(messages)) {
            String content = m.get("content") == null ? "" : m.get("content").toString();
            switch (String.valueOf(m.get("role"))) {
                case "system" -> {
                    if (!prompt.isEmpty() || !response.isEmpty()) {
                        out.append(renderWith(template, GoTemplateValues.forRound(system, prompt, response, tools, extra)));
                        prompt = "";
                        response = "";
                    }
                    system = content;
                }
                case "user" -> {
                    if (!response.isEmpty()) {
                        out.append(renderWith(template, GoTemplateValues.forRound(system, prompt, response, tools, extra)));
                        system = "";
                        response = "";
                    }
                    prompt = content;
                }
                case "assistant" -> response = content;
                default -> { }
            }
        }
        String last = renderWith(goCut, GoTemplateValues.forRound(system, prompt, response, tools, extra));
        int cut = last.indexOf(cutMarker);
        return out.append(cut >= 0 ? last.substring(0, cut) : last).toString();
    }

    private String renderWith(ChatTemplate template, Map<String, Object> vars) {
        try {
            return template.render(vars);
        } catch (TemplateRaisedException e) {
            throw ApiException.badRequest("the model's chat template refused this conversation: " + e.getMessage());
        } catch (TemplateLimitException e) {
            throw ApiException.badRequest("the conversation is too large for the chat template: " + e.getMessage());
        } catch (TemplateException e) {
            throw ApiException.badRequest("the model's chat template (" + templateOrigin + ") failed on this "
                    + "conversation: " + e.getMessage());
        }
    }

    private int[] tokenizeRendered(String rendered) {
        return dropDoubleBos(guard.tokenize(rendered, tokenizer.addBosByDefault()));
    }

    /** A raw prompt ({@code raw: true}): the client formatted it, control-token text included. */
    public int[] raw(String prompt) {
        return dropDoubleBos(tokenizer.encode(prompt, tokenizer.addBosByDefault(), true));
    }

    /** Templates that write {@code bos_token} themselves would get a second BOS from the tokenizer. */
    private int[] dropDoubleBos(int[] tokens) {
        int bos = tokenizer.bosId();
        if (bos >= 0 && tokens.length >= 2 && tokens[0] == bos && tokens[1] == bos) {
            return java.util.Arrays.copyOfRange(tokens, 1, tokens.length);
        }
        return tokens;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }
}
