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
        GenerationJob job = new GenerationJob(tokens, params(s, budget), thinkTags, opensThinking, parser);
        return new PreparedRequest(job, true, s.stream(), s.includeUsage(), s.logprobs());
    }

    PreparedRequest completion(CompletionRequest request) {
        SamplingFields s = request.sampling();
        int[] tokens = model.codec().encode(request.prompt(), true);
        checkFits(tokens, "prompt");
        GenerationJob job = new GenerationJob(tokens, params(s, -1), null, false, null);
        return new PreparedRequest(job, false, s.stream(), s.includeUsage(), s.logprobs());
    }

    /**
     * The tools the template sees: none for {@code tool_choice: none}, only the named one for a named choice.
     *
     * <p>Limitation: "required" and a named function are not enforced. llama-server enforces "required" with a
     * grammar that lets the model write only a tool call (and reads a named function as "auto"); Kiln has no grammar
     * engine, so it only narrows what the template offers. A model that answers in plain text anyway gets what
     * llama-server returns when its tool-call parser finds no call: the text as {@code content} with
     * {@code finish_reason: "stop"} and no {@code tool_calls}; clients that require a call must check for one.
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
                s.stop(), s.logprobs(), s.topLogprobs(), budget);
    }
}
