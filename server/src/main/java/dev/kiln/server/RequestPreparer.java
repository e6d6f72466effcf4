package dev.kiln.server;

import dev.kiln.server.api.ApiException;
import dev.kiln.server.api.ChatRequest;
import dev.kiln.server.api.CompletionRequest;
import dev.kiln.server.api.FunctionTool;
import dev.kiln.server.api.SamplingFields;
import dev.kiln.core.chat.ThinkTags;
import dev.kiln.server.model.ServedModel;
import dev.kiln.server.slot.GenerationJob;
import dev.kiln.server.slot.GenerationParams;
import dev.kiln.server.tools.ToolCallParser;
import dev.kiln.server.slot.OutputConstraint;
import dev.kiln.core.grammar.Grammar;
import dev.kiln.core.grammar.GrammarException;
import dev.kiln.core.grammar.ToolCallGrammar;
import dev.kiln.server.api.OutputFormat;
import dev.kiln.server.tools.DeepSeekToolCalls;
import dev.kiln.server.tools.HermesToolCalls;
import dev.kiln.server.tools.Llama3ToolCalls;
import dev.kiln.server.tools.MistralToolCalls;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a validated request into a {@link GenerationJob}: renders chat messages with the model's template (tools,
 * {@code tool_choice}, the reasoning budget's {@code enable_thinking=false} or empty think block), tokenizes, checks
 * that the prompt fits a slot, and fills in llama-server's sampling defaults.
 */
final class RequestPreparer {

    private final ServedModel model;
    private final int slotContext;
    private final int defaultReasoningBudget;
    private final ThinkTags thinkTags;          // null: the template has no think block
    private final boolean templateHasThinkingSwitch;
    /** Compiled grammars of recent requests (agents send the same schema and tools again and again). */
    private final java.util.Map<String, Grammar> grammars = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Grammar> eldest) {
                    return size() > 32;
                }
            });

    RequestPreparer(ServedModel model, int slotContext, int defaultReasoningBudget) {
        this.model = model;
        this.slotContext = slotContext;
        this.defaultReasoningBudget = defaultReasoningBudget;
        String source = model.chat().source();
        this.thinkTags = ThinkTags.detect(source).orElse(null);
        this.templateHasThinkingSwitch = dev.kiln.core.chat.ChatTemplate.usesVariable(source, "enable_thinking");
    }

    PreparedRequest chat(ChatRequest request) {
        SamplingFields s = request.sampling();
        int budget = s.reasoningBudget() != null ? s.reasoningBudget() : defaultReasoningBudget;
        List<FunctionTool> tools = toolsFor(request);
        Map<String, Object> variables = new HashMap<>(request.templateVariables());
        if (budget == 0 && templateHasThinkingSwitch) {
            variables.putIfAbsent("enable_thinking", false);
        }
        String prompt;
        try {
            prompt = model.chat().render(request.messages(), tools, true, variables);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "invalid_request_error", "template_error", "messages",
                    "the model's chat template refused the messages: " + e.getMessage());
        }
        boolean opensThinking = thinkTags != null && thinkTags.promptOpensThinking(prompt);
        if (budget == 0 && thinkTags != null && !templateHasThinkingSwitch) {
            prompt = thinkTags.withoutThinking(prompt);
            opensThinking = false;
        }
        int[] tokens = model.codec().encode(prompt, true);
        checkFits(tokens, "messages");
        ToolCallParser parser = tools.isEmpty() ? null : ToolCallParser.forTemplate(model.chat().source()).orElse(null);
        OutputConstraint constraint = chatConstraint(request, tools, parser, opensThinking);
        GenerationJob job = new GenerationJob(tokens, params(s, budget).withConstraint(constraint), thinkTags,
                opensThinking, parser);
        return new PreparedRequest(job, true, s.stream(), s.includeUsage(), s.logprobs());
    }

    PreparedRequest completion(CompletionRequest request) {
        SamplingFields s = request.sampling();
        int[] tokens = model.codec().encode(request.prompt(), true);
        checkFits(tokens, "prompt");
        OutputConstraint constraint = s.format() == null ? null : OutputConstraint.always(compile(s.format()));
        GenerationJob job = new GenerationJob(tokens, params(s, -1).withConstraint(constraint), null, false, null);
        return new PreparedRequest(job, false, s.stream(), s.includeUsage(), s.logprobs());
    }

    /**
     * The grammar of a chat reply: the requested output format; for {@code tool_choice} "required" or a named
     * function, the family's tool-call syntax with each tool's parameters schema; for "auto", the same grammar
     * started lazily where the model opens a call. When the prompt leaves the model thinking, the grammar starts
     * after the think block.
     */
    private OutputConstraint chatConstraint(ChatRequest request, List<FunctionTool> tools, ToolCallParser parser,
                                            boolean opensThinking) {
        OutputFormat format = request.sampling().format();
        String choice = request.toolChoice();
        boolean forced = !tools.isEmpty() && !choice.equals("auto") && !choice.equals("none");
        if (format != null && forced) {
            throw ApiException.invalid("tool_choice", "'tool_choice' \"" + choice + "\" and '" + format.param()
                    + "' both constrain the reply; send one of them");
        }
        Grammar grammar;
        if (format != null) {
            grammar = compile(format);
        } else if (!tools.isEmpty() && parser != null) {
            try {
                grammar = toolGrammar(tools, parser);
            } catch (GrammarException e) {
                if (forced) {
                    throw grammarError("tools", e);
                }
                return null;   // "auto": a schema the engine cannot enforce leaves calls unconstrained, as before
            }
            if (!forced) {
                ToolCallGrammar.Format f = formatOf(parser);
                return new OutputConstraint(grammar, f.opening(), true, f == ToolCallGrammar.Format.LLAMA3);
            }
        } else if (forced) {
            throw ApiException.invalid("tool_choice", "'tool_choice' \"" + choice + "\" needs a chat template with a"
                    + " known tool-call format (Mistral, Hermes/Qwen, Llama 3, DeepSeek-R1); this model's template"
                    + " has none (use --chat-template-file)");
        } else {
            return null;
        }
        if (model.codec().tokenTrie() == null) {
            throw ApiException.invalid(format != null ? format.param() : "tool_choice",
                    "this model cannot constrain its output");
        }
        return opensThinking && thinkTags != null
                ? new OutputConstraint(grammar, thinkTags.closing(), false, false)
                : OutputConstraint.always(grammar);
    }

    private Grammar toolGrammar(List<FunctionTool> tools, ToolCallParser parser) {
        List<ToolCallGrammar.Tool> list = new java.util.ArrayList<>();
        StringBuilder key = new StringBuilder("tools:").append(formatOf(parser)).append(':');
        for (FunctionTool t : tools) {
            com.fasterxml.jackson.databind.JsonNode p = t.definition().path("function").get("parameters");
            list.add(new ToolCallGrammar.Tool(t.name(), p));
            key.append(t.name()).append('=').append(p).append(';');
        }
        Grammar known = grammars.get(key.toString());
        if (known != null) {
            return known;
        }
        Grammar g = ToolCallGrammar.of(formatOf(parser), list, true);
        grammars.put(key.toString(), g);
        return g;
    }

    private ToolCallGrammar.Format formatOf(ToolCallParser parser) {
        return switch (parser) {
            case HermesToolCalls h -> ToolCallGrammar.Format.HERMES;
            case MistralToolCalls m -> ToolCallGrammar.Format.MISTRAL;
            case Llama3ToolCalls l -> ToolCallGrammar.Format.LLAMA3;
            case DeepSeekToolCalls d -> ToolCallGrammar.Format.DEEPSEEK_R1;
        };
    }

    /** Compiles a request's output format (cached by its text); a bad one is a 400 naming the field. */
    private Grammar compile(OutputFormat format) {
        if (model.codec().tokenTrie() == null) {
            throw ApiException.invalid(format.param(), "this model cannot constrain its output");
        }
        String key = format.anyObject() ? "object" : format.grammar() != null ? "gbnf:" + format.grammar()
                : "schema:" + format.schema();
        Grammar known = grammars.get(key);
        if (known != null) {
            return known;
        }
        Grammar g;
        try {
            g = format.anyObject() ? Grammar.anyJsonObject() : format.grammar() != null ? Grammar.gbnf(format.grammar())
                    : Grammar.jsonSchema(format.schema());
        } catch (GrammarException e) {
            throw grammarError(format.param(), e);
        }
        grammars.put(key, g);
        return g;
    }

    private static ApiException grammarError(String param, GrammarException e) {
        return new ApiException(400, "invalid_request_error", "invalid_grammar", param,
                "'" + param + "' cannot be enforced: " + e.getMessage());
    }

    /**
     * The tools the template sees: none for {@code tool_choice: none}, only the named one for a named choice.
     *
     * <p>"required" and a named function are enforced by a grammar of the family's tool-call syntax (see
     * {@link #chatConstraint}).
     */
    private static List<FunctionTool> toolsFor(ChatRequest request) {
        String choice = request.toolChoice();
        if (request.tools().isEmpty() || choice.equals("none")) {
            return List.of();
        }
        if (choice.equals("auto") || choice.equals("required")) {
            return request.tools();
        }
        List<FunctionTool> named = request.tools().stream()
                .filter(t -> choice.equals(t.name()))
                .toList();
        if (named.isEmpty()) {
            throw ApiException.invalid("tool_choice", "'tool_choice' names the function '" + choice
                    + "', which is not in 'tools'");
        }
        return named;
    }

    private void checkFits(int[] tokens, String field) {
        if (tokens.length >= slotContext) {
            throw new ApiException(400, "invalid_request_error", "context_length_exceeded", field,
                    "the prompt is " + tokens.length + " tokens, but a slot holds " + slotContext
                            + " (-c divided by -np); shorten '" + field + "' or start the server with a larger -c");
        }
    }

    /** The request's settings over llama-server's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05). */
    private static GenerationParams params(SamplingFields s, int budget) {
        return new GenerationParams(
                s.maxTokens() == null ? -1 : s.maxTokens(),
                s.temperature() == null ? SamplingDefaults.TEMPERATURE : s.temperature(),
                s.topK() == null ? SamplingDefaults.TOP_K : s.topK(),
                s.topP() == null ? SamplingDefaults.TOP_P : s.topP(),
                s.minP() == null ? SamplingDefaults.MIN_P : s.minP(),
                s.seed() == null ? -1 : s.seed(),
                s.presencePenalty() == null ? 0 : s.presencePenalty(),
                s.frequencyPenalty() == null ? 0 : s.frequencyPenalty(),
                s.stop(), s.logprobs(), s.topLogprobs(), budget).withIgnoreEos(s.ignoreEos());
    }
}
