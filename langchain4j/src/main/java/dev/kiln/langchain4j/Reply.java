package dev.kiln.langchain4j;

import dev.kiln.server.slot.GenerationEvent;
import dev.kiln.server.slot.GenerationJob;
import dev.kiln.server.tools.ToolCall;
import dev.kiln.server.tools.ToolCallDelta;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one request's {@link GenerationEvent}s into a LangChain4j {@link ChatResponse}, passing each piece to a
 * streaming handler on the way when there is one: content, thinking and tool-call pieces as they are generated,
 * each whole tool call, then the response.
 */
final class Reply {

    private final GenerationJob job;
    private final String modelName;
    private final StreamingChatResponseHandler handler;     // null: not streamed
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder thinking = new StringBuilder();
    private final Map<Integer, CallHeader> callHeaders = new HashMap<>();   // call index -> its id and name

    private record CallHeader(String id, String name) {
    }

    Reply(GenerationJob job, String modelName, StreamingChatResponseHandler handler) {
        this.job = job;
        this.modelName = modelName;
        this.handler = handler;
    }

    /**
     * Waits for the whole reply.
     *
     * @throws LangChain4jException the model failed or the engine was closed
     * @throws RuntimeException     what the handler threw (the request is then cancelled)
     */
    ChatResponse await() {
        try {
            while (true) {
                GenerationEvent event = job.next(60_000);
                switch (event) {
                    case null -> { }
                    case GenerationEvent.Delta d -> delta(d);
                    case GenerationEvent.Finished f -> {
                        return finished(f);
                    }
                    case GenerationEvent.Failed f -> throw new LangChain4jException("Kiln: " + f.message());
                }
            }
        } catch (InterruptedException e) {
            job.cancel();
            Thread.currentThread().interrupt();
            throw new LangChain4jException("interrupted while the model was generating", e);
        } catch (RuntimeException | Error e) {
            job.cancel();
            throw e;
        }
    }

    private void delta(GenerationEvent.Delta d) {
        content.append(d.content());
        thinking.append(d.reasoning());
        if (handler == null) {
            return;
        }
        if (!d.reasoning().isEmpty()) {
            handler.onPartialThinking(new PartialThinking(d.reasoning()));
        }
        if (!d.content().isEmpty()) {
            handler.onPartialResponse(d.content());
        }
        for (ToolCallDelta piece : d.toolCalls()) {
            partialToolCall(piece);
        }
    }

    /** A piece of a call: the first of each call names it; every piece repeats the id and name, as LangChain4j's own clients do. */
    private void partialToolCall(ToolCallDelta piece) {
        CallHeader header = callHeaders.computeIfAbsent(piece.index(), i -> new CallHeader(piece.id(), piece.name()));
        if (!piece.arguments().isEmpty()) {
            handler.onPartialToolCall(PartialToolCall.builder().index(piece.index()).id(header.id())
                    .name(header.name()).partialArguments(piece.arguments()).build());
        }
    }

    private ChatResponse finished(GenerationEvent.Finished f) {
        List<ToolExecutionRequest> requests = new ArrayList<>();
        for (ToolCall call : f.toolCalls()) {
            requests.add(ToolExecutionRequest.builder().id(call.id()).name(call.name()).arguments(call.arguments())
                    .build());
        }
        AiMessage.Builder message = AiMessage.builder()
                .text(content.isEmpty() && !requests.isEmpty() ? null : content.toString());
        if (!thinking.isEmpty()) {
            message.thinking(thinking.toString());
        }
        if (!requests.isEmpty()) {
            message.toolExecutionRequests(requests);
        }
        ChatResponse response = ChatResponse.builder()
                .aiMessage(message.build())
                .modelName(modelName)
                .tokenUsage(new TokenUsage(f.promptTokens(), f.completionTokens()))
                .finishReason(switch (f.finishReason()) {
                    case "length" -> FinishReason.LENGTH;
                    case "tool_calls" -> FinishReason.TOOL_EXECUTION;
                    default -> FinishReason.STOP;
                })
                .build();
        if (handler != null) {
            for (int i = 0; i < requests.size(); i++) {
                handler.onCompleteToolCall(new CompleteToolCall(i, requests.get(i)));
            }
        }
        return response;
    }
}
