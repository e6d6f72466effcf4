package dev.kiln.cli;

import dev.kiln.core.chat.ChatMessage;
import dev.kiln.core.chat.ChatTemplate;
import dev.kiln.core.chat.JsonValues;
import dev.kiln.core.chat.RenderOptions;
import dev.kiln.gguf.GgufFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln template (-m MODEL | --template FILE.jinja) --messages MESSAGES.json [--tools TOOLS.json]
 * [--add-generation-prompt] [--bos TEXT] [--eos TEXT] [--var key=value] [--now DATE]}: prints the prompt a chat
 * template renders for a conversation, exactly (no newline added), so a user can see what the model is fed.
 * With {@code -m} the file's {@code tokenizer.chat_template} is used (or the built-in fallback format) and
 * {@code bos_token}/{@code eos_token} default to the model's special tokens.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Render a chat template for a conversation and print the exact prompt (no newline added).")
final class TemplateCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "GGUF file whose chat template to use")
    Path model;

    @Option(names = "--template", paramLabel = "FILE", description = "Jinja chat template file")
    Path template;

    @Option(names = "--messages", required = true, paramLabel = "FILE",
            description = "JSON array of messages: {role, content[, tool_calls, tool_call_id, name, reasoning_content]};"
                    + " - reads standard input")
    Path messages;

    @Option(names = "--tools", paramLabel = "FILE", description = "JSON array of OpenAI tool definitions")
    Path tools;

    @Option(names = "--add-generation-prompt", description = "End with the start of an assistant turn.")
    boolean addGenerationPrompt;

    @Option(names = "--bos", paramLabel = "TEXT", description = "bos_token text (default: the model's, else empty)")
    String bos;

    @Option(names = "--eos", paramLabel = "TEXT", description = "eos_token text (default: the model's, else empty)")
    String eos;

    @Option(names = "--var", paramLabel = "KEY=VALUE",
            description = "Extra template variable; VALUE is JSON when it parses (true, 3, \"s\", [..]), else text. "
                    + "Example: --var enable_thinking=false")
    Map<String, String> variables = new LinkedHashMap<>();

    @Option(names = "--now", paramLabel = "DATE",
            description = "Date for strftime_now: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (default: now)")
    String now;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (template == null)) {
            throw new UsageException("give exactly one of -m MODEL or --template FILE");
        }
        RenderOptions.Builder options;
        ChatTemplate chat;
        if (model != null) {
            try (GgufFile gguf = GgufFile.open(model)) {
                chat = ChatTemplate.forModel(gguf.metadata());
                options = ChatTemplate.optionsForModel(gguf.metadata());
            }
        } else {
            chat = ChatTemplate.of(Files.readString(template));
            options = RenderOptions.builder();
        }
        String messagesJson = messages.toString().equals("-")
                ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                : Files.readString(messages);
        List<ChatMessage> conversation = ChatMessage.listFromJson(messagesJson);
        options.addGenerationPrompt(addGenerationPrompt).now(parseNow(now));
        if (bos != null) {
            options.bosToken(bos);
        }
        if (eos != null) {
            options.eosToken(eos);
        }
        if (tools != null) {
            options.toolsJson(Files.readString(tools));
        }
        variables.forEach((k, v) -> options.variable(k, parseValue(v)));
        String prompt = chat.render(conversation, options.build());
        PrintWriter out = spec.commandLine().getOut();
        out.print(prompt);
        out.flush();
        return 0;
    }

    private static Object parseValue(String text) {
        try {
            return JsonValues.parse(text, "--var value");
        } catch (IllegalArgumentException notJson) {
            return text;
        }
    }

    static LocalDateTime parseNow(String text) {
        if (text == null) {
            return LocalDateTime.now();
        }
        try {
            if (text.length() == 10) {
                return LocalDate.parse(text).atStartOfDay();
            }
            return LocalDateTime.parse(text.replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            throw new UsageException("--now: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], got '" + text + "'");
        }
    }
}
