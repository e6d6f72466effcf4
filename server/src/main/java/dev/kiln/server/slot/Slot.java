package dev.kiln.server.slot;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * One KV sequence of the model and what it is doing: the tokens whose KV it holds (kept after a request, for
 * prefix reuse), the job it serves, how far the prompt has been evaluated, and the sampled token that is waiting
 * to be evaluated in the next step.
 */
final class Slot {

    final int sequence;
    private int[] cached = new int[64];   // [cachedLength] tokens whose KV the sequence holds
    private int cachedLength;
    long lastUsed;

    GenerationJob job;
    int promptIndex;                      // next prompt token to evaluate
    int pendingToken = -1;                // sampled, to be evaluated next step; -1 none
    final Deque<Integer> forced = new ArrayDeque<>();   // tokens to emit instead of sampling (reasoning budget)
    TokenSampler sampler;
    ReplyPipeline reply;
    int completionTokens;
    dev.kiln.core.chat.ReasoningBudget reasoningBudget;   // per request: when to close the think block
    int cachedPromptTokens;
    long admitted;                        // scheduler clock (ns) when the job took this slot
    long firstToken = -1;                 // scheduler clock (ns) when the first token was sampled; -1 not yet
    long lastToken;                       // scheduler clock (ns) when the last counted completion token was sampled

    Slot(int sequence) {
        this.sequence = sequence;
    }

    boolean busy() {
        return job != null;
    }

    boolean prefilling() {
        return job != null && promptIndex < job.prompt.length;
    }

    int cachedLength() {
        return cachedLength;
    }

    /** Number of leading tokens of {@code prompt} this slot already holds. */
    int commonPrefix(int[] prompt) {
        int n = Math.min(cachedLength, prompt.length);
        int i = 0;
        while (i < n && cached[i] == prompt[i]) {
            i++;
        }
        return i;
    }

    void truncate(int length) {
        cachedLength = Math.min(cachedLength, length);
    }

    void append(int token) {
        if (cachedLength == cached.length) {
            cached = Arrays.copyOf(cached, cached.length * 2);
        }
        cached[cachedLength++] = token;
    }

    /** Forgets the job; the cached tokens stay for the next request. */
    void release() {
        job = null;
        pendingToken = -1;
        forced.clear();
        sampler = null;
        reply = null;
    }
}
