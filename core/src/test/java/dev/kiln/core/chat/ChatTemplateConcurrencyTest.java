package dev.kiln.core.chat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A server renders one parsed template from many request threads at once: results must not interfere. */
class ChatTemplateConcurrencyTest {

    @Test
    void oneTemplateRenderedFromManyThreads() throws Exception {
        List<ChatTemplateCasesTest.Case> cases = ChatTemplateCasesTest.cases().stream()
                .filter(c -> c.expected() != null && c.file().startsWith("Qwen-Qwen3")).toList();
        ChatTemplate template = ChatTemplate.of(cases.getFirst().template());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int offset = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        ChatTemplateCasesTest.Case c = cases.get((i + offset) % cases.size());
                        assertEquals(c.expected(), template.render(c.messages(), c.options()), c.name());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
