package dev.kiln.bench;

import dev.kiln.core.LoadOptions;
import dev.kiln.server.engine.EngineModels;
import dev.kiln.server.model.ServedModel;
import dev.kiln.server.slot.GenerationEvent;
import dev.kiln.server.slot.GenerationJob;
import dev.kiln.server.slot.GenerationParams;
import dev.kiln.server.slot.SlotScheduler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The server's aggregate decode throughput with 1, 4 and 8 concurrent greedy streams (continuous batching: one
 * forward pass per step for all slots), and the time to first token of a 512-token prompt without and with prefix
 * reuse, measured in one run on the slot scheduler over the real engine (HTTP adds nothing per step).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.kiln.bench.ServeThroughput \
 *     MODEL.gguf [threads] [tokensPerStream]</pre>
 * Make the model with {@code kiln synth --shape tinyllama-1.1b --type Q4_K_M -o tinyllama.gguf}.
 */
public final class ServeThroughput {

    private ServeThroughput() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int slots = 8;
        int promptLength = 512;
        try (ServedModel served = EngineModels.open(file, LoadOptions.defaults().withThreads(threads),
                slots * (promptLength + 64), slots);
             SlotScheduler scheduler = new SlotScheduler(served.model(), served.codec(), 512, slots)) {
            int vocab = served.model().vocabularySize();
            SplittableRandom random = new SplittableRandom(7);
            System.out.printf(Locale.ROOT, "model %s, %d threads, %d slots of %d, %d tokens per stream%n",
                    file.getFileName(), threads, slots, served.model().sequenceLength(), tokens);
            decode(scheduler, 1, tokens, vocab, random);                      // warm-up
            double single = 0;
            for (int streams : new int[] {1, 4, 8}) {
                double tps = decode(scheduler, streams, tokens, vocab, random);
                if (streams == 1) {
                    single = tps;
                }
                System.out.printf(Locale.ROOT, "decode  %d stream%s: %8.2f tok/s aggregate  (%.2fx one stream)%n",
                        streams, streams == 1 ? " " : "s", tps, tps / single);
            }
            if (served.model().sequenceLength() < promptLength + 1) {
                System.out.printf(Locale.ROOT, "ttft    skipped: a slot holds %d tokens, the test needs %d (the model's context"
                        + " is too short for %d slots; e.g. kiln synth ... --set context_length=8192)%n",
                        served.model().sequenceLength(), promptLength + 1, slots);
                return;
            }
            int[] prompt = randomTokens(random, promptLength, vocab);
            double cold = ttft(scheduler, prompt);
            int[] sharedPrefix = prompt.clone();
            for (int i = promptLength - 16; i < promptLength; i++) {
                sharedPrefix[i] = 3 + random.nextInt(vocab - 3);
            }
            double warm = ttft(scheduler, sharedPrefix);
            System.out.printf(Locale.ROOT, "ttft    %d-token prompt: %8.1f ms cold, %8.1f ms reusing a %d-token prefix (%.1fx)%n",
                    promptLength, cold, warm, promptLength - 16, cold / warm);
        }
    }

    private static int[] randomTokens(SplittableRandom random, int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 3 + random.nextInt(vocab - 3);
        }
        return t;
    }

    /** Aggregate tokens per second of {@code streams} greedy streams decoding together (prompt time excluded). */
    private static double decode(SlotScheduler scheduler, int streams, int tokens, int vocab, SplittableRandom random)
            throws Exception {
        List<GenerationJob> jobs = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            GenerationJob job = new GenerationJob(randomTokens(random, 8, vocab), GenerationParams.greedy(tokens), null,
                    false, null);
            jobs.add(job);
            scheduler.submit(job);
        }
        long[] firstToken = new long[streams];   // [streams] when each stream's first token arrived
        long[] end = new long[streams];          // [streams] when each stream finished
        int[] decoded = new int[streams];        // [streams] tokens after the first
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                GenerationJob job = jobs.get(s);
                int index = s;
                done.add(readers.submit(() -> {
                    while (true) {
                        GenerationEvent e = job.next(600_000);
                        if (e == null) {
                            throw new IllegalStateException("no progress in 10 minutes");
                        }
                        if (firstToken[index] == 0) {
                            firstToken[index] = System.nanoTime();
                        }
                        if (e instanceof GenerationEvent.Finished f) {
                            end[index] = System.nanoTime();
                            decoded[index] = f.completionTokens() - 1;
                            return null;
                        }
                        if (e instanceof GenerationEvent.Failed f) {
                            throw new IllegalStateException(f.message());
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        // decode time: from the last stream's first token (all prompts done) to the last stream's end
        long from = java.util.Arrays.stream(firstToken).max().orElseThrow();
        long to = java.util.Arrays.stream(end).max().orElseThrow();
        return java.util.Arrays.stream(decoded).sum() / ((to - from) / 1e9);
    }

    /** Milliseconds from submitting {@code prompt} to its first token. */
    private static double ttft(SlotScheduler scheduler, int[] prompt) throws Exception {
        GenerationJob job = new GenerationJob(prompt, GenerationParams.greedy(1), null, false, null);
        long t0 = System.nanoTime();
        scheduler.submit(job);
        while (true) {
            GenerationEvent e = job.next(600_000);
            if (e instanceof GenerationEvent.Finished || e == null) {
                return (System.nanoTime() - t0) / 1e6;
            }
        }
    }
}
