package dev.kiln.cli;

import dev.kiln.core.Completion;
import dev.kiln.core.Kiln;
import dev.kiln.core.Model;
import dev.kiln.core.Session;
import dev.kiln.core.chat.ChatMessage;
import dev.kiln.core.generate.Stats;
import dev.kiln.core.generate.StopReason;
import dev.kiln.core.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kiln run}: generates text from a prompt (or chats with {@code -cnv}), with llama.cpp's flag names and
 * sampling defaults. Generated text streams to stdout as it is produced (whole UTF-8 characters only); the timing
 * summary (load time, prompt and generation tokens/s) goes to stderr at the end.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text from a prompt, or chat with -cnv.",
        footer = {"", "Examples:",
                "  kiln run -p \"Once upon a time\"                     (the built-in demo model)",
                "  kiln run -m model.gguf -p \"Once upon a time\" -n 50 --temp 0",
                "  kiln run -m model.gguf -cnv -sys \"You are a helpful assistant.\"",
                "  kiln run -m deepseek-r1.gguf -cnv --reasoning-budget 512",
                "  kiln run -m model.gguf -p \"A person as JSON:\" --json-schema '{\"type\": \"object\"}'",
                "  kiln run -m model.gguf -p \"2+2=\" --grammar-file arithmetic.gbnf"})
final class RunCommand implements Callable<Integer> {

    @Mixin
    EngineOptions engine;

    @Mixin
    GrammarOptions grammar;

    @Mixin
    TemplateOptions template;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Prompt to start from.")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the prompt from a file.")
    Path promptFile;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N",
            description = "Tokens to generate; -1 = until end of generation or a full context (default: ${DEFAULT-VALUE}).")
    int nPredict = -1;

    @Option(names = "--temp", paramLabel = "T", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature = SamplingParams.DEFAULTS.temperature();

    @Option(names = "--top-k", paramLabel = "N", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK = SamplingParams.DEFAULTS.topK();

    @Option(names = "--top-p", paramLabel = "P", description = "Top-p; 1.0 = off (default: ${DEFAULT-VALUE}).")
    float topP = SamplingParams.DEFAULTS.topP();

    @Option(names = "--min-p", paramLabel = "P", description = "Min-p; 0.0 = off (default: ${DEFAULT-VALUE}).")
    float minP = SamplingParams.DEFAULTS.minP();

    @Option(names = "--repeat-penalty", paramLabel = "X", description = "Repeat penalty; 1.0 = off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty = SamplingParams.DEFAULTS.repeatPenalty();

    @Option(names = "--repeat-last-n", paramLabel = "N",
            description = "Tokens the penalties look at; 0 = off, -1 = context (default: ${DEFAULT-VALUE}).")
    int repeatLastN = SamplingParams.DEFAULTS.repeatLastN();

    @Option(names = "--presence-penalty", paramLabel = "X", description = "Presence penalty (default: ${DEFAULT-VALUE}).")
    float presencePenalty = SamplingParams.DEFAULTS.presencePenalty();

    @Option(names = "--frequency-penalty", paramLabel = "X", description = "Frequency penalty (default: ${DEFAULT-VALUE}).")
    float frequencyPenalty = SamplingParams.DEFAULTS.frequencyPenalty();

    @Option(names = {"-s", "--seed"}, paramLabel = "N", description = "Random seed; -1 = random (default: -1).")
    long seed = -1;

    @Option(names = {"-cnv", "--conversation"}, description = "Chat through the model's chat template, reading turns from stdin.")
    boolean conversation;

    @Option(names = {"-sys", "--system-prompt"}, paramLabel = "TEXT", description = "System prompt for -cnv.")
    String systemPrompt;

    @Option(names = "--reasoning-budget", paramLabel = "N",
            description = "With -cnv: thinking tokens allowed; -1 unlimited, 0 no thinking, N closes the think block after N (default: ${DEFAULT-VALUE}).")
    int reasoningBudget = -1;

    @Option(names = "--no-display-prompt", description = "Do not print the prompt before the generated text.")
    boolean noDisplayPrompt;

    @Option(names = "--verbose", description = "Print the placement, load details and info logs to stderr.")
    boolean verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (verbose) {
            // slf4j-simple reads its level when the first logger is made, which is after this point in a CLI run
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        }
        var options = engine.toLoadOptions();
        SamplingParams params = samplingParams().withGrammar(grammar.compile());
        String templateSource = template.source();
        var templateVariables = template.variables();
        String text = promptText();
        if (text == null && !conversation) {
            throw new UsageException("-p/--prompt or -f/--file: a prompt is needed (or use -cnv to chat)");
        }
        if (nPredict < -1) {
            throw new UsageException("-n/--n-predict: expected -1 or >= 0, found " + nPredict);
        }
        if (reasoningBudget < -1) {
            throw new UsageException("--reasoning-budget: expected -1, 0 or a positive count, found " + reasoningBudget);
        }
        if (reasoningBudget != -1 && !conversation) {
            throw new UsageException("--reasoning-budget: only with -cnv/--conversation");
        }
        if (systemPrompt != null && !conversation) {
            throw new UsageException("-sys/--system-prompt: only with -cnv/--conversation");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path file = engine.modelOrDemo(err, "run");
        try (Model model = Kiln.load(file, options); Session session = model.newSession()) {
            engine.warnIfNothingOffloaded(model, err, "run");
            if (templateSource != null || !templateVariables.isEmpty()) {
                model.useChatTemplate(templateSource, templateVariables);
            }
            if (verbose) {
                err.printf("kiln: %s, %d blocks, context %d, %s%n", model.hyperParams().architecture().ggufName(),
                        model.hyperParams().blockCount(), session.contextSize(), model.describePlacement());
                model.describeDeviceMemory().ifPresent(line -> err.println("kiln: " + line));
            }
            List<Stats> stats = new ArrayList<>();
            if (conversation) {
                converse(model, session, params, text, out, err, stats);
            } else {
                if (!noDisplayPrompt) {
                    out.print(text);
                    out.flush();
                }
                Completion c;
                try {
                    c = session.generate(text, params, nPredict, piece -> print(out, piece));
                } catch (OutputClosed e) {
                    return 0; // the reader went away (e.g. `| head`): stop generating, quietly
                }
                out.println();
                out.flush();
                stats.add(c.stats());
                if (c.stopReason() == StopReason.CONTEXT_FULL) {
                    err.println("kiln run: context is full (" + session.contextSize() + " tokens); use a larger -c/--ctx-size");
                }
            }
            printTimings(err, model, stats);
        }
        return 0;
    }

    private void converse(Model model, Session session, SamplingParams params, String firstUser, PrintWriter out,
                          PrintWriter err, List<Stats> stats) throws IOException {
        List<ChatMessage> messages = new ArrayList<>();
        if (systemPrompt != null) {
            messages.add(ChatMessage.system(systemPrompt));
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String user = firstUser;
        while (true) {
            if (user == null) {
                out.print("\n> ");
                out.flush();
                user = in.readLine();
                if (user == null) {
                    break;
                }
            }
            messages.add(ChatMessage.user(user));
            Completion c;
            try {
                c = session.chat(messages, params, nPredict, reasoningBudget, piece -> print(out, piece));
            } catch (OutputClosed e) {
                return;
            }
            out.println();
            out.flush();
            stats.add(c.stats());
            messages.add(ChatMessage.assistant(c.text()));
            if (c.stopReason() == StopReason.CONTEXT_FULL) {
                err.println("kiln run: context is full (" + session.contextSize() + " tokens); use a larger -c/--ctx-size");
                break;
            }
            user = null;
        }
    }

    private String promptText() throws IOException {
        if (prompt != null && promptFile != null) {
            throw new UsageException("-p/--prompt and -f/--file: give one of them");
        }
        if (promptFile != null) {
            if (!Files.isRegularFile(promptFile)) {
                throw new UsageException("-f/--file: no such file: " + promptFile);
            }
            return Files.readString(promptFile, StandardCharsets.UTF_8);
        }
        return prompt;
    }

    private SamplingParams samplingParams() {
        if (!Float.isFinite(temperature)) {
            throw new UsageException("--temp: expected a number, found " + temperature);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new UsageException("--top-p: expected 0 to 1, found " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new UsageException("--min-p: expected 0 to 1, found " + minP);
        }
        if (!(repeatPenalty > 0) || !Float.isFinite(repeatPenalty)) {
            throw new UsageException("--repeat-penalty: expected > 0, found " + repeatPenalty);
        }
        if (repeatLastN < -1) {
            throw new UsageException("--repeat-last-n: expected -1, 0 or more, found " + repeatLastN);
        }
        if (!Float.isFinite(presencePenalty) || !Float.isFinite(frequencyPenalty)) {
            throw new UsageException("--presence-penalty/--frequency-penalty: expected numbers");
        }
        if (seed < -1 || seed > 0xFFFF_FFFFL) {
            throw new UsageException("-s/--seed: expected -1 (random) or 0 to 4294967295, found " + seed);
        }
        long s = seed == -1 ? SamplingParams.RANDOM_SEED : seed;
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, presencePenalty,
                frequencyPenalty, s);
    }

    private static void printTimings(PrintWriter err, Model model, List<Stats> all) {
        int promptTokens = 0;
        int genTokens = 0;
        long promptNanos = 0;
        long genNanos = 0;
        for (Stats s : all) {
            promptTokens += s.promptTokens();
            genTokens += s.generatedTokens();
            promptNanos += s.promptNanos();
            genNanos += s.generationNanos();
        }
        Stats total = new Stats(promptTokens, promptNanos, genTokens, genNanos);
        err.printf("%nload:       %9.2f ms%n%s%n", model.loadMillis(), total.summary());
        err.flush();
    }

    /** Prints a generated piece; a closed stdout (PrintWriter swallows the broken pipe) ends the generation. */
    private static void print(PrintWriter out, String piece) {
        out.print(piece);
        out.flush();
        if (out.checkError()) {
            throw new OutputClosed();
        }
    }

    /** Thrown out of the token callback when stdout is closed. */
    private static final class OutputClosed extends RuntimeException {
        OutputClosed() {
            super("stdout closed", null, false, false);
        }
    }
}
