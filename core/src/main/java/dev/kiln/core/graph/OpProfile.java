package dev.kiln.core.graph;

import dev.kiln.gguf.GgmlType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the forward passes' time goes, op by op: attached to a {@link Forward} ({@link Forward#profile}), it records
 * the wall time of every op of every pass run while attached ({@code kiln bench --profile}). An op is timed on the
 * calling thread from its call until it returns and its backend has {@linkplain dev.kiln.core.spi.Backend#synchronize()
 * synchronized}, so a GPU op counts its execution, not its launch (and profiling serialises a GPU backend's work).
 * Matrix products are kept apart per weight role and type ({@code attn_q Q4_K}, layers summed), with their
 * multiply-adds and the weight's bytes in the file, from which {@link Entry} derives G multiply-adds/s and the weight
 * read rate. Thread-safe.
 */
public final class OpProfile {

    /**
     * One op, or one weight role and type of the matrix products, summed over its calls. The weight bytes are the
     * file's: a backend that repacks a type (the CPU's Q6_K to 8 bits per weight) reads more than they say.
     *
     * @param role         the weight's role for a matrix product ({@code attn_q}, {@code output}), else ""
     * @param type         the weight's type for a matrix product, else null
     * @param multiplyAdds rows · cols · tokens over every call (matrix products; else 0)
     * @param weightBytes  the weight's bytes in the file over every call (matrix products; else 0)
     */
    public record Entry(String op, String role, GgmlType type, long calls, long nanos, long multiplyAdds,
                        long weightBytes) {

        /** G multiply-adds per second of wall time (0 for ops other than matrix products). */
        public double gigaMultiplyAddsPerSecond() {
            return nanos == 0 ? 0 : (double) multiplyAdds / nanos;
        }

        /** GB of weights read per second of wall time, counted in the file's bytes (0 for other ops). */
        public double weightGigabytesPerSecond() {
            return nanos == 0 ? 0 : (double) weightBytes / nanos;
        }
    }

    private record Key(String op, String role, GgmlType type) {
    }

    private final Map<Key, long[]> totals = new HashMap<>(); // key -> {calls, nanos, multiplyAdds, weightBytes}
    private long passes;
    private long passNanos;

    /** Adds one call of {@code op} (for a matrix product: on a weight of role {@code role} and type {@code type}). */
    synchronized void record(String op, String role, GgmlType type, long nanos, long multiplyAdds, long weightBytes) {
        long[] t = totals.computeIfAbsent(new Key(op, role, type), k -> new long[4]);
        t[0]++;
        t[1] += nanos;
        t[2] += multiplyAdds;
        t[3] += weightBytes;
    }

    /** Adds one forward pass (one chunk of a batch) that took {@code nanos}, its ops included. */
    synchronized void recordPass(long nanos) {
        passes++;
        passNanos += nanos;
    }

    /** The entries recorded, most time first. */
    public synchronized List<Entry> entries() {
        List<Entry> list = new ArrayList<>();
        totals.forEach((k, t) -> list.add(new Entry(k.op(), k.role(), k.type(), t[0], t[1], t[2], t[3])));
        list.sort(Comparator.comparingLong(Entry::nanos).reversed());
        return list;
    }

    /** Forward passes recorded (a batch longer than the engine's batch size counts one per chunk). */
    public synchronized long passes() {
        return passes;
    }

    /** Wall time of the recorded passes, ops and what runs between them (activation transfers, logits) together. */
    public synchronized long passNanos() {
        return passNanos;
    }

    /** Wall time of the recorded passes not spent in any op. */
    public synchronized long outsideOpsNanos() {
        long ops = 0;
        for (long[] t : totals.values()) {
            ops += t[1];
        }
        return passNanos - ops;
    }
}
