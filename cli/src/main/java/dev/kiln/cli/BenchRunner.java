package dev.kiln.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * llama-bench's measurement (llama.cpp tools/llama-bench): a {@code pp<N>} test clears the context and evaluates N
 * random tokens (BOS first) in batches of {@code n_batch}; a {@code tg<N>} test clears it and generates N tokens one
 * at a time (BOS, then random ids). Each test is run once as a warm-up (or {@code -w} times), then {@code repetitions} times; the rate of
 * each run is {@code N / seconds}, reported as mean ± sample standard deviation.
 */
final class BenchRunner {

    /** One test: {@code pp<nPrompt>} or {@code tg<nGen>}. */
    record Test(int nPrompt, int nGen) {
        String name() {
            return nPrompt > 0 ? "pp" + nPrompt : "tg" + nGen;
        }

        int tokens() {
            return nPrompt + nGen;
        }
    }

    /** The timings of one test. */
    record Samples(Test test, long[] nanos) {
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
    private final SplittableRandom random = new SplittableRandom(1234);

    BenchRunner(int batchSize, int repetitions, int warmups) {
        this.batchSize = batchSize;
        this.repetitions = repetitions;
        this.warmups = warmups;
    }

    /** The tests of {@code -p} and {@code -n} values (0 skips), prompt tests first, as llama-bench orders them. */
    static List<Test> tests(List<Integer> prompts, List<Integer> gens) {
        List<Test> tests = new ArrayList<>();
        for (int p : prompts) {
            if (p > 0) {
                tests.add(new Test(p, 0));
            }
        }
        for (int n : gens) {
            if (n > 0) {
                tests.add(new Test(0, n));
            }
        }
        return tests;
    }

    Samples run(BenchModel model, Test test) {
        // warm-up (llama-bench: the prompt once, or one generated token)
        for (int w = 0; w < warmups; w++) {
            model.clear();
            execute(model, test.nPrompt() > 0 ? test : new Test(0, 1));
        }
        long[] nanos = new long[repetitions];
        for (int r = 0; r < repetitions; r++) {
            model.clear();
            long start = System.nanoTime();
            execute(model, test);
            nanos[r] = System.nanoTime() - start;
        }
        return new Samples(test, nanos);
    }

    private void execute(BenchModel model, Test test) {
        if (test.nPrompt() > 0) {
            for (int done = 0; done < test.nPrompt(); ) {
                int n = Math.min(batchSize, test.nPrompt() - done);
                int[] tokens = new int[n]; // [n]
                for (int i = 0; i < n; i++) {
                    tokens[i] = done == 0 && i == 0 && model.bosToken() >= 0 ? model.bosToken() : randomToken(model);
                }
                model.decode(tokens, done);
                done += n;
            }
        }
        if (test.nGen() > 0) {
            int token = model.bosToken() >= 0 ? model.bosToken() : randomToken(model);
            int[] one = new int[1];
            for (int i = 0; i < test.nGen(); i++) {
                one[0] = token;
                model.decode(one, i);
                token = randomToken(model);
            }
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
