package dev.hearth.cli;

import dev.hearth.chat.template.ChatTemplate;
import dev.hearth.chat.template.RenderOptions;
import dev.hearth.chat.template.TemplateSyntaxException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code hearth template render --template FILE --input CASE.json}: prints the prompt a chat template
 * makes for a conversation, exactly (UTF-8, no added newline), as Hearth's server would build it.
 */
@Command(
        name = "render",
        mixinStandardHelpOptions = true,
        description = {
            "Render a chat template for a conversation and print the prompt exactly (no added newline).",
            "CASE.json is an object with messages, add_generation_prompt, bos_token, eos_token and optionally tools.",
        })
final class TemplateRenderCommand implements Callable<Integer> {
    /** The keys of CASE.json that become template variables (transformers' apply_chat_template inputs). */
    static final List<String> CASE_KEYS = List.of("messages", "add_generation_prompt", "bos_token", "eos_token", "tools");

    @Option(names = "--template", required = true, paramLabel = "FILE", description = "Jinja chat template file.")
    Path templateFile;

    @Option(names = "--input", required = true, paramLabel = "CASE.json", description = "Conversation to render.")
    Path input;

    @Option(names = "--var", paramLabel = "NAME=JSON",
            description = "Extra template variable, its value as JSON (e.g. --var enable_thinking=false). Repeatable.")
    Map<String, String> extraVariables = new LinkedHashMap<>();

    @Option(names = "--now", paramLabel = "YYYY-MM-DDTHH:MM:SS",
            description = "Time strftime_now sees (default: the current local time).")
    String now;

    @Option(names = "--strict",
            description = "Fail when the template does not parse, instead of falling back to ChatML with a warning.")
    boolean strict;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public Integer call() throws IOException {
        String source = readFile(templateFile, "template");
        Map<String, Object> variables = readCase();
        for (Map.Entry<String, String> e : extraVariables.entrySet()) {
            variables.put(e.getKey(), parseJson(e.getValue(), "--var " + e.getKey()));
        }
        RenderOptions options = RenderOptions.defaults();
        if (now != null) {
            try {
                options = options.withClock(Clock.fixed(LocalDateTime.parse(now).atZone(ZoneId.systemDefault()).toInstant(),
                        ZoneId.systemDefault()));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--now: expected a local date-time like 2024-07-26T12:00:00, got " + now);
            }
        }
        ChatTemplate template;
        if (strict) {
            template = ChatTemplate.compile(source);
        } else {
            PrintStream err = System.err;
            template = ChatTemplate.compileOrFallback(source, warning -> err.println("hearth: warning: " + warning));
        }
        String prompt = template.render(variables, options);
        // Raw bytes: the prompt must come out exactly, whatever the platform's default encoding or line ending.
        PrintStream out = System.out;
        out.write(prompt.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return 0;
    }

    private Map<String, Object> readCase() throws IOException {
        Object parsed;
        try {
            parsed = JSON.readValue(readFile(input, "input"), Object.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(input + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(input + ": expected a JSON object with messages, add_generation_prompt, ...");
        }
        if (!map.containsKey("messages")) {
            throw new IllegalArgumentException(input + " has no \"messages\"");
        }
        Map<String, Object> variables = new LinkedHashMap<>();
        for (String key : CASE_KEYS) {
            if (map.containsKey(key)) {
                variables.put(key, map.get(key));
            }
        }
        return variables;
    }

    private static String readFile(Path file, String what) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(what + " file not found: " + file);
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException(what + " file is not UTF-8 text: " + file);
        }
    }

    private static Object parseJson(String text, String what) {
        try {
            return JSON.readValue(text, Object.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(what + ": not a JSON value (strings need quotes): " + e.getOriginalMessage());
        }
    }
}
