package dev.kiln.server.chat;

import dev.kiln.core.chat.ReasoningSplitter;

import java.util.List;

/**
 * Finds the request's stop strings in the generated text, also when one is split across tokens: text that could be
 * the start of a stop string is held back until the next token decides. The stop string itself is never returned
 * (OpenAI semantics).
 */
public final class StopMatcher {

    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    public StopMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    public boolean stopped() {
        return stopped;
    }

    /** Returns the text that is now safe to emit; after a stop string is found returns the text before it. */
    public String push(String text) {
        if (stopped) {
            return "";
        }
        held.append(text);
        int first = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        if (first >= 0) {
            stopped = true;
            String out = held.substring(0, first);
            held.setLength(0);
            return out;
        }
        int keep = 0;
        for (String stop : stops) {
            keep = Math.max(keep, ReasoningSplitter.partialSuffix(held, stop));
        }
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** End of generation without a stop string: the held text was not a stop after all. */
    public String flush() {
        String out = stopped ? "" : held.toString();
        held.setLength(0);
        return out;
    }
}
