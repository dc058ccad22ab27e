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

    private PromptFormat(Tokenizer tokenizer, ControlTokenGuard guard, ChatTemplate template, String templateOrigin) {
        this.tokenizer = tokenizer;
        this.guard = guard;
        this.template = template;
        this.templateOrigin = templateOrigin;
        this.bosText = tokenizer.bosId() >= 0 ? tokenizer.tokenText(tokenizer.bosId()) : "";
        this.eosText = tokenizer.eosId() >= 0 ? tokenizer.tokenText(tokenizer.eosId()) : "";
    }

    /**
     * Picks the template: the model's TEMPLATE layer if it is Jinja, else the GGUF's chat template, else
     * ChatML. (Ollama's Go-template TEMPLATE layers are skipped: the GGUFs they come with carry the
     * original Jinja template.)
     *
     * @param warnings told when a template is skipped or does not parse
     */
    public static PromptFormat forModel(Tokenizer tokenizer, String layerTemplate, String ggufTemplate,
            java.util.function.Consumer<String> warnings) {
        ControlTokenGuard guard = new ControlTokenGuard(tokenizer);
        if (layerTemplate != null && !layerTemplate.isBlank()) {
            if (isGoTemplate(layerTemplate)) {
                warnings.accept("the model's TEMPLATE is an Ollama Go template, which Hearth does not render yet; "
                        + "using the GGUF's chat template");
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

    /** A request-supplied template ({@code template} of /api/generate); Jinja only. */
    public PromptFormat withTemplate(String source) {
        if (isGoTemplate(source)) {
            throw ApiException.badRequest("'template' is an Ollama Go template, which Hearth does not support yet; "
                    + "pass a Jinja chat template, or leave 'template' out to use the model's");
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
    public String render(List<Map<String, Object>> messages, List<Object> tools, Map<String, Object> extra) {
        Map<String, Object> vars = new LinkedHashMap<>(extra);
        vars.put("messages", guard.protect(messages));
        if (tools != null && !tools.isEmpty()) {
            vars.put("tools", guard.protect(tools));
        }
        vars.put("add_generation_prompt", true);
        vars.put("bos_token", bosText);
        vars.put("eos_token", eosText);
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
