package dev.kiln.cli;

import dev.kiln.core.graph.OpProfile;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * {@code kiln bench --profile}: for one test, a markdown table of where its timed runs spent their time, op by op and,
 * for the matrix products, weight role by weight role (layers summed), with each entry's share of the forward passes'
 * time, its rate in G multiply-adds/s and the weights' read rate in GB/s of the file's bytes (a decode step reads
 * each weight once, so for {@code tg} tests that column is the memory bandwidth the products achieved, less what a
 * repacked layout reads beyond the file's bytes). The runs profiled are extra runs after the timed ones.
 */
final class BenchProfileReport {

    private BenchProfileReport() {
    }

    static void write(BenchReport.Row row, PrintWriter out) {
        BenchRunner.Samples s = row.samples();
        OpProfile p = s.profile();
        double passes = p.passNanos();
        out.printf(Locale.ROOT, "%nprofile: %s, %s, threads %d, %d more runs: %d forward passes, %.1f ms in them%n%n",
                s.test().name(), row.backend(), row.threads(), s.nanos().length, p.passes(), p.passNanos() / 1e6);
        if (p.passes() == 0) {
            out.println("no forward pass was profiled (this model cannot profile its ops)");
            out.flush();
            return;
        }
        out.printf("| %-13s | %-14s | %-5s | %7s | %10s | %6s | %10s | %8s | %9s |%n", "op", "weight", "type", "calls",
                "ms", "share", "us/call", "G MAC/s", "file GB/s");
        out.printf("| %s | %s | %s | %s: | %s: | %s: | %s: | %s: | %s: |%n", "-".repeat(13), "-".repeat(14),
                "-".repeat(5), "-".repeat(6), "-".repeat(9), "-".repeat(5), "-".repeat(9), "-".repeat(7),
                "-".repeat(8));
        for (OpProfile.Entry e : p.entries()) {
            boolean product = e.multiplyAdds() > 0;
            out.printf(Locale.ROOT, "| %-13s | %-14s | %-5s | %7d | %10.1f | %5.1f%% | %10.1f | %8s | %9s |%n",
                    e.op(), e.role(), e.type() == null ? "" : e.type().name(), e.calls(), e.nanos() / 1e6,
                    share(e.nanos(), passes), e.nanos() / 1e3 / e.calls(),
                    product ? String.format(Locale.ROOT, "%.1f", e.gigaMultiplyAddsPerSecond()) : "",
                    product ? String.format(Locale.ROOT, "%.1f", e.weightGigabytesPerSecond()) : "");
        }
        out.printf(Locale.ROOT, "| %-13s | %-14s | %-5s | %7s | %10.1f | %5.1f%% | %10s | %8s | %9s |%n",
                "(between ops)", "", "", "", p.outsideOpsNanos() / 1e6, share(p.outsideOpsNanos(), passes), "", "", "");
        out.flush();
    }

    private static double share(long nanos, double total) {
        return total == 0 ? 0 : 100.0 * nanos / total;
    }
}
