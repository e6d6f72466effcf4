package dev.kiln.server;

import dev.kiln.server.slot.SchedulerStats;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code /metrics} page in the Prometheus text format (version 0.0.4): HTTP requests, tokens, tokens per second,
 * slots busy and queue length, for scraping and for load balancers that want to route to idle servers.
 */
final class ServerMetrics {

    final AtomicLong requests = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong completions = new AtomicLong();

    String render(SchedulerStats s) {
        StringBuilder out = new StringBuilder();
        metric(out, "kiln_requests_total", "counter", "HTTP requests received.", requests.get());
        metric(out, "kiln_request_errors_total", "counter", "Requests answered with an error status.", errors.get());
        metric(out, "kiln_completions_total", "counter", "Completions finished (chat and text).", completions.get());
        if (s != null) {
            metric(out, "kiln_requests_rejected_total", "counter", "Requests refused because the wait queue was full.", s.rejected());
            metric(out, "kiln_prompt_tokens_total", "counter", "Prompt tokens evaluated.", s.promptTokens());
            metric(out, "kiln_prompt_tokens_cached_total", "counter", "Prompt tokens reused from slot caches.", s.cachedTokens());
            metric(out, "kiln_generated_tokens_total", "counter", "Tokens generated.", s.generatedTokens());
            metric(out, "kiln_steps_total", "counter", "Batched forward passes.", s.steps());
            metric(out, "kiln_tokens_per_second", "gauge", "Generated tokens per second of forward-pass time.",
                    s.tokensPerSecond());
            metric(out, "kiln_slots_total", "gauge", "Slots (-np).", s.slots());
            metric(out, "kiln_slots_busy", "gauge", "Slots serving a request.", s.slotsBusy());
            metric(out, "kiln_slots_idle", "gauge", "Slots free for a request.", s.slots() - s.slotsBusy());
            metric(out, "kiln_queue_length", "gauge", "Requests waiting for a free slot.", s.queueLength());
        }
        metric(out, "kiln_ready", "gauge", "1 when the model is loaded and requests are served.", s == null ? 0 : 1);
        return out.toString();
    }

    private static void metric(StringBuilder out, String name, String type, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(String.format(Locale.ROOT, "%.3f", value));
        }
        out.append('\n');
    }
}
