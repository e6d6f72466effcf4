package dev.kiln.core.graph;

import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.core.spi.Ops;
import dev.kiln.core.spi.Rope;
import dev.kiln.gguf.GgmlType;

import java.util.Objects;
import java.util.function.Function;

/**
 * A backend's {@link Ops} that times every call into an {@link OpProfile} and otherwise does exactly what the backend's
 * own ops do (same calls, same arguments, same order). Each op ends with {@link Backend#synchronize()}, so its time
 * is its execution on an asynchronous backend.
 */
final class ProfiledOps implements Ops {
    private final Ops ops;
    private final Backend backend;
    private final OpProfile profile;
    private final Function<DeviceTensor, String> roles;

    /** {@code roles}: a weight's role ({@code attn_q}), for the matrix products. */
    ProfiledOps(Backend backend, OpProfile profile, Function<DeviceTensor, String> roles) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.ops = backend.ops();
        this.profile = Objects.requireNonNull(profile, "profile");
        this.roles = Objects.requireNonNull(roles, "roles");
    }

    /** Waits for the backend, then records one call of {@code op} that started at {@code start}. */
    private void end(long start, String op, String role, GgmlType type, long multiplyAdds, long weightBytes) {
        backend.synchronize();
        profile.record(op, role, type, System.nanoTime() - start, multiplyAdds, weightBytes);
    }

    /** Runs {@code call} (one op other than a matrix product) and records it. */
    private void timed(String op, Runnable call) {
        long t = System.nanoTime();
        call.run();
        end(t, op, "", null, 0, 0);
    }

    @Override
    public void embed(DeviceTensor out, DeviceTensor table, Batch batch) {
        timed("embed", () -> ops.embed(out, table, batch));
    }

    @Override
    public void rmsNorm(DeviceTensor out, DeviceTensor x, DeviceTensor weight, int rows, int dim, float eps) {
        timed("rmsNorm", () -> ops.rmsNorm(out, x, weight, rows, dim, eps));
    }

    @Override
    public void matMul(DeviceTensor out, DeviceTensor w, DeviceTensor x, int tokens) {
        long t = System.nanoTime();
        ops.matMul(out, w, x, tokens);
        long elements = w.elements(); // rows · cols
        end(t, "matMul", roles.apply(w), w.type(), elements * tokens, w.type().byteSize(elements));
    }

    /**
     * One by one, each through {@link #matMul}, so that every weight role keeps its own row: the profile times the
     * products of one input apart, not the one call a backend may make of them.
     */
    @Override
    public void matMuls(DeviceTensor[] out, DeviceTensor[] w, DeviceTensor x, int tokens) {
        Ops.super.matMuls(out, w, x, tokens);
    }

    @Override
    public void addBias(DeviceTensor x, DeviceTensor bias, int rows, int dim) {
        timed("addBias", () -> ops.addBias(x, bias, rows, dim));
    }

    @Override
    public void rope(DeviceTensor x, int heads, int headLength, Batch batch, Rope rope) {
        timed("rope", () -> ops.rope(x, heads, headLength, batch, rope));
    }

    @Override
    public void storeKv(KvLayer kv, DeviceTensor k, DeviceTensor v, Batch batch) {
        timed("storeKv", () -> ops.storeKv(kv, k, v, batch));
    }

    @Override
    public void attention(DeviceTensor out, DeviceTensor q, KvLayer kv, Batch batch, Attention attention) {
        timed("attention", () -> ops.attention(out, q, kv, batch, attention));
    }

    @Override
    public void swiGlu(DeviceTensor gate, DeviceTensor up, int floats) {
        timed("swiGlu", () -> ops.swiGlu(gate, up, floats));
    }

    @Override
    public void add(DeviceTensor acc, DeviceTensor x, int floats) {
        timed("add", () -> ops.add(acc, x, floats));
    }

    @Override
    public void gatherRows(DeviceTensor dst, DeviceTensor src, int[] rows, int count, int dim) {
        timed("gatherRows", () -> ops.gatherRows(dst, src, rows, count, dim));
    }
}
