package dev.kiln.cli;

import dev.kiln.core.chat.JsonValues;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * llama.cpp's chat-template flags, shared by {@code kiln run} and {@code kiln serve}: {@code --chat-template-file}
 * replaces the file's template (often outdated for tool calling; the tool-call format and grammar follow the
 * template in use), {@code --chat-template-kwargs} adds variables to every rendering.
 */
final class TemplateOptions {

    @Option(names = "--chat-template-file", paramLabel = "FILE",
            description = "Jinja chat template to use instead of the model's.")
    Path templateFile;

    @Option(names = "--chat-template-kwargs", paramLabel = "JSON",
            description = "JSON object of extra template variables, e.g. '{\"enable_thinking\": false}'.")
    String kwargs;

    /** The template source, or null to keep the model's. */
    String source() {
        if (templateFile == null) {
            return null;
        }
        if (!Files.isRegularFile(templateFile)) {
            throw new UsageException("--chat-template-file: no such file: " + templateFile);
        }
        try {
            String text = Files.readString(templateFile, StandardCharsets.UTF_8);
            dev.kiln.core.chat.ChatTemplate.of(text);   // parse now: a broken template is a usage error
            return text;
        } catch (IOException e) {
            throw new UsageException("--chat-template-file: cannot read " + templateFile + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new UsageException("--chat-template-file: " + templateFile + ": " + e.getMessage());
        }
    }

    /** The extra variables ({} when absent). */
    Map<String, Object> variables() {
        if (kwargs == null) {
            return Map.of();
        }
        Object parsed;
        try {
            parsed = JsonValues.parse(kwargs, "--chat-template-kwargs");
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new UsageException("--chat-template-kwargs: expected a JSON object, found " + kwargs);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }
}
