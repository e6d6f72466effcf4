package dev.kiln.bench;

import dev.kiln.gguf.GgmlType;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link MatVecBench} for a few types and shapes and prints, per type and shape: matrix x vector time, weight
 * bytes per second, the fraction of the read bandwidth measured in the same run, and batched per-token throughput
 * relative to matrix x vector.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.kiln.bench.MatVecReport \
 *     [types=Q4_K,Q6_K,Q8_0] [shapes=4096x4096] [tokens=1,32,512] [threads=2] [precision=q8,f32] [quick]</pre>
 */
public final class MatVecReport {
    private MatVecReport() {}

    public static void main(String[] args) throws RunnerException {
        Map<String, String> opts = new HashMap<>(Map.of("types", "Q4_K,Q6_K,Q8_0", "shapes", "4096x4096",
                "tokens", "1,32,512", "threads", "2", "precision", "q8,f32"));
        boolean quick = false;
        for (String a : args) {
            int eq = a.indexOf('=');
            if (a.equals("quick")) {
                quick = true;
            } else if (eq > 0 && opts.containsKey(a.substring(0, eq))) {
                opts.put(a.substring(0, eq), a.substring(eq + 1));
            } else {
                System.err.println("MatVecReport: unknown argument '" + a
                        + "' (expected types=, shapes=, tokens=, threads=, precision=, quick)");
                System.exit(2);
            }
        }
        String[] types = opts.get("types").split(",");
        String[] shapes = opts.get("shapes").split(",");
        String[] tokens = opts.get("tokens").split(",");
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(MatVecBench.class.getName() + ".matMul$")
                .param("type", types).param("shape", shapes).param("tokens", tokens)
                .param("threads", opts.get("threads")).param("precision", opts.get("precision").split(","));
        ChainedOptionsBuilder m = new OptionsBuilder()
                .include(MatVecBench.class.getName() + ".memoryRead$")
                .param("type", types).param("shape", shapes).param("tokens", "1")
                .param("threads", opts.get("threads")).param("precision", "f32");
        if (quick) {
            for (ChainedOptionsBuilder o : List.of(b, m)) {
                o.warmupIterations(2).warmupTime(TimeValue.milliseconds(500))
                        .measurementIterations(3).measurementTime(TimeValue.milliseconds(500));
            }
        }
        Collection<RunResult> reads = new Runner(m.build()).run();
        Collection<RunResult> runs = new Runner(b.build()).run();

        Map<String, Double> readMs = new HashMap<>();
        for (RunResult r : reads) {
            readMs.put(key(r, false), r.getPrimaryResult().getScore());
        }
        Map<String, Double> ms = new HashMap<>();
        for (RunResult r : runs) {
            ms.put(key(r, true), r.getPrimaryResult().getScore());
        }
        // weight GB/s counts the GGUF bytes (what a token reads from the file), whatever the precision repacks them into
        System.out.printf("%n%-7s %-11s %-9s %7s %10s %9s %9s %8s %12s%n", "type", "shape", "precision", "tokens",
                "ms/call", "weight GB/s", "read GB/s", "of read", "x matvec/tok");
        for (String type : types) {
            for (String shape : shapes) {
                String[] rc = shape.split("x");
                long bytes = GgmlType.valueOf(type).byteSize(Long.parseLong(rc[0]) * Long.parseLong(rc[1]));
                Double read = readMs.get(type + "/" + shape + "/f32");
                double readGbs = read == null ? Double.NaN : bytes / (read * 1e6);
                for (String precision : opts.get("precision").split(",")) {
                    Double one = ms.get(type + "/" + shape + "/" + precision + "/1");
                    for (String t : tokens) {
                        Double time = ms.get(type + "/" + shape + "/" + precision + "/" + t);
                        if (time == null) {
                            continue;
                        }
                        double gbs = bytes / (time * 1e6);
                        int n = Integer.parseInt(t);
                        double ratio = one == null ? Double.NaN : one * n / time;
                        System.out.printf("%-7s %-11s %-9s %7d %10.3f %9.2f %9.2f %7.0f%% %12.2f%n", type, shape,
                                precision, n, time, gbs, readGbs, 100 * gbs / readGbs, ratio);
                    }
                }
            }
        }
    }

    private static String key(RunResult r, boolean withTokens) {
        var p = r.getParams();
        return p.getParam("type") + "/" + p.getParam("shape") + "/" + p.getParam("precision")
                + (withTokens ? "/" + p.getParam("tokens") : "");
    }
}
