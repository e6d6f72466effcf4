package dev.kiln.cli;

import dev.kiln.core.graph.OpProfile;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * llama-bench's measurement (llama.cpp tools/llama-bench): a {@code pp<N>} test clears the context and evaluates N
 * random tokens (BOS first) in batches of {@code n_batch}; a {@code tg<N>} test clears it and generates N tokens one
 * at a time (BOS, then random ids). With a depth D ({@code -d}, test name {@code pp<N> @ d<D>}) each run first fills
 * the context with D random tokens (BOS first, in batches, not timed) and the test's tokens follow at positions D... Each test is run once as a warm-up (or {@code -w} times), then {@code repetitions} times; the rate of
 * each run is {@code N / seconds}, reported as mean ± sample standard deviation.
 */
final class BenchRunner {

    /** One test: {@code pp<nPrompt>} or {@code tg<nGen>}, after {@code depth} tokens of context. */
    record Test(int nPrompt, int nGen, int depth) {
        Test(int nPrompt, int nGen) {
            this(nPrompt, nGen, 0);
        }

        String name() {
            return (nPrompt > 0 ? "pp" + nPrompt : "tg" + nGen) + (depth > 0 ? " @ d" + depth : "");
        }

        /** Tokens timed. */
        int tokens() {
            return nPrompt + nGen;
        }

        /** Positions the test needs in the context. */
        int positions() {
            return depth + nPrompt + nGen;
        }
    }

    /**
     * The timings of one test, and when {@code --profile} asked for one (else null) the op profile of as many runs
     * again, made after the timed ones so that profiling does not slow the timed runs.
     */
    record Samples(Test test, long[] nanos, OpProfile profile) {

        /** Tokens per second of each run. */
        double[] rates() {
            double[] r = new double[nanos.length];
            for (int i = 0; i < nanos.length; i++) {
                r[i] = test.tokens() * 1e9 / nanos[i];
            }
            return r;
        }

        double meanRate() {
            return mean(rates());
        }

        double stddevRate() {
            return stddev(rates());
        }

        double meanNanos() {
            double[] v = new double[nanos.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = nanos[i];
            }
            return mean(v);
        }

        double stddevNanos() {
            double[] v = new double[nanos.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = nanos[i];
            }
            return stddev(v);
        }
    }

    private final int batchSize;
    private final int repetitions;
    private final int warmups;
    private final boolean profile;
    private final SplittableRandom random = new SplittableRandom(1234);

    /**
     * {@code profile}: after the timed runs of a test, run it as many times again with every op timed
     * ({@link BenchModel#profile}; the context fills of {@code -d} are not profiled).
     */
    BenchRunner(int batchSize, int repetitions, int warmups, boolean profile) {
        this.batchSize = batchSize;
        this.repetitions = repetitions;
        this.warmups = warmups;
        this.profile = profile;
    }

    /** The tests of {@code -p} and {@code -n} values (0 skips), prompt tests first, as llama-bench orders them. */
    static List<Test> tests(List<Integer> prompts, List<Integer> gens) {
        return tests(prompts, gens, List.of(0));
    }

    /** As {@link #tests(List, List)}, for each depth of {@code -d} in turn. */
    static List<Test> tests(List<Integer> prompts, List<Integer> gens, List<Integer> depths) {
        List<Test> tests = new ArrayList<>();
        for (int d : depths) {
            for (int p : prompts) {
                if (p > 0) {
                    tests.add(new Test(p, 0, d));
                }
            }
            for (int n : gens) {
                if (n > 0) {
                    tests.add(new Test(0, n, d));
                }
            }
        }
        return tests;
    }

    Samples run(BenchModel model, Test test) {
        // warm-up (llama-bench: the prompt once, or one generated token)
        for (int w = 0; w < warmups; w++) {
            model.clear();
            fill(model, test.depth());
            execute(model, test.nPrompt() > 0 ? test : new Test(0, 1, test.depth()));
        }
        long[] nanos = new long[repetitions];
        for (int r = 0; r < repetitions; r++) {
            model.clear();
            fill(model, test.depth());
            long start = System.nanoTime();
            execute(model, test);
            nanos[r] = System.nanoTime() - start;
        }
        return new Samples(test, nanos, profile ? profile(model, test) : null);
    }

    /** The test's op profile over {@code repetitions} more runs. */
    private OpProfile profile(BenchModel model, Test test) {
        OpProfile ops = new OpProfile();
        for (int r = 0; r < repetitions; r++) {
            model.clear();
            fill(model, test.depth());
            model.profile(ops);
            try {
                execute(model, test);
            } finally {
                model.profile(null);
            }
        }
        return ops;
    }

    /** The untimed context of a test at depth {@code depth}: random tokens at positions 0.., BOS first. */
    private void fill(BenchModel model, int depth) {
        prompt(model, 0, depth);
    }

    private void execute(BenchModel model, Test test) {
        int at = test.depth();
        if (test.nPrompt() > 0) {
            prompt(model, at, test.nPrompt());
        }
        if (test.nGen() > 0) {
            int token = at == 0 && model.bosToken() >= 0 ? model.bosToken() : randomToken(model);
            int[] one = new int[1];
            for (int i = 0; i < test.nGen(); i++) {
                one[0] = token;
                model.decode(one, at + i);
                token = randomToken(model);
            }
        }
    }

    /** {@code count} random tokens at positions {@code from..} in batches of {@code n_batch} (BOS first at 0). */
    private void prompt(BenchModel model, int from, int count) {
        for (int done = 0; done < count; ) {
            int n = Math.min(batchSize, count - done);
            int[] tokens = new int[n]; // [n]
            for (int i = 0; i < n; i++) {
                tokens[i] = from + done + i == 0 && model.bosToken() >= 0 ? model.bosToken() : randomToken(model);
            }
            model.decode(tokens, from + done);
            done += n;
        }
    }

    private int randomToken(BenchModel model) {
        return random.nextInt(model.vocabSize());
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (n - 1), 0 for a single value, as llama-bench reports it. */
    static double stddev(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
