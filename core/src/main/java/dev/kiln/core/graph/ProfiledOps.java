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

    private void end(long start, String op) {
        end(start, op, "", null, 0, 0);
    }

    @Override
    public void embed(DeviceTensor out, DeviceTensor table, Batch batch) {
        long t = System.nanoTime();
        ops.embed(out, table, batch);
        end(t, "embed");
    }

    @Override
    public void rmsNorm(DeviceTensor out, DeviceTensor x, DeviceTensor weight, int rows, int dim, float eps) {
        long t = System.nanoTime();
        ops.rmsNorm(out, x, weight, rows, dim, eps);
        end(t, "rmsNorm");
    }

    @Override
    public void matMul(DeviceTensor out, DeviceTensor w, DeviceTensor x, int tokens) {
        long t = System.nanoTime();
        ops.matMul(out, w, x, tokens);
        long elements = w.elements(); // rows · cols
        end(t, "matMul", roles.apply(w), w.type(), elements * tokens, w.type().byteSize(elements));
    }

    @Override
    public void addBias(DeviceTensor x, DeviceTensor bias, int rows, int dim) {
        long t = System.nanoTime();
        ops.addBias(x, bias, rows, dim);
        end(t, "addBias");
    }

    @Override
    public void rope(DeviceTensor x, int heads, int headLength, Batch batch, Rope rope) {
        long t = System.nanoTime();
        ops.rope(x, heads, headLength, batch, rope);
        end(t, "rope");
    }

    @Override
    public void storeKv(KvLayer kv, DeviceTensor k, DeviceTensor v, Batch batch) {
        long t = System.nanoTime();
        ops.storeKv(kv, k, v, batch);
        end(t, "storeKv");
    }

    @Override
    public void attention(DeviceTensor out, DeviceTensor q, KvLayer kv, Batch batch, Attention attention) {
        long t = System.nanoTime();
        ops.attention(out, q, kv, batch, attention);
        end(t, "attention");
    }

    @Override
    public void swiGlu(DeviceTensor gate, DeviceTensor up, int floats) {
        long t = System.nanoTime();
        ops.swiGlu(gate, up, floats);
        end(t, "swiGlu");
    }

    @Override
    public void add(DeviceTensor acc, DeviceTensor x, int floats) {
        long t = System.nanoTime();
        ops.add(acc, x, floats);
        end(t, "add");
    }

    @Override
    public void gatherRows(DeviceTensor dst, DeviceTensor src, int[] rows, int count, int dim) {
        long t = System.nanoTime();
        ops.gatherRows(dst, src, rows, count, dim);
        end(t, "gatherRows");
    }
}
