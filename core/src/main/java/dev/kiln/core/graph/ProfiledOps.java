package dev.kiln.core.graph;

import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.core.spi.Ops;
import dev.kiln.core.spi.Rope;

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
    private final Function<DeviceTensor, String> weightNames;

    ProfiledOps(Backend backend, OpProfile profile, Function<DeviceTensor, String> weightNames) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.ops = backend.ops();
        this.profile = Objects.requireNonNull(profile, "profile");
        this.weightNames = Objects.requireNonNull(weightNames, "weightNames");
    }

    private long start() {
        return System.nanoTime();
    }

    private void end(String op, long start) {
        backend.synchronize();
        profile.record(op, "", null, System.nanoTime() - start, 0, 0);
    }

    @Override
    public void embed(DeviceTensor out, DeviceTensor table, Batch batch) {
        long t = start();
        ops.embed(out, table, batch);
        end("embed", t);
    }

    @Override
    public void rmsNorm(DeviceTensor out, DeviceTensor x, DeviceTensor weight, int rows, int dim, float eps) {
        long t = start();
        ops.rmsNorm(out, x, weight, rows, dim, eps);
        end("rmsNorm", t);
    }

    @Override
    public void matMul(DeviceTensor out, DeviceTensor w, DeviceTensor x, int tokens) {
        long t = start();
        ops.matMul(out, w, x, tokens);
        backend.synchronize();
        long nanos = System.nanoTime() - t;
        long elements = w.elements(); // rows · cols
        profile.record("matMul", weightNames.apply(w), w.type(), nanos, elements * tokens,
                w.type().byteSize(elements));
    }

    @Override
    public void addBias(DeviceTensor x, DeviceTensor bias, int rows, int dim) {
        long t = start();
        ops.addBias(x, bias, rows, dim);
        end("addBias", t);
    }

    @Override
    public void rope(DeviceTensor x, int heads, int headLength, Batch batch, Rope rope) {
        long t = start();
        ops.rope(x, heads, headLength, batch, rope);
        end("rope", t);
    }

    @Override
    public void storeKv(KvLayer kv, DeviceTensor k, DeviceTensor v, Batch batch) {
        long t = start();
        ops.storeKv(kv, k, v, batch);
        end("storeKv", t);
    }

    @Override
    public void attention(DeviceTensor out, DeviceTensor q, KvLayer kv, Batch batch, Attention attention) {
        long t = start();
        ops.attention(out, q, kv, batch, attention);
        end("attention", t);
    }

    @Override
    public void swiGlu(DeviceTensor gate, DeviceTensor up, int floats) {
        long t = start();
        ops.swiGlu(gate, up, floats);
        end("swiGlu", t);
    }

    @Override
    public void add(DeviceTensor acc, DeviceTensor x, int floats) {
        long t = start();
        ops.add(acc, x, floats);
        end("add", t);
    }

    @Override
    public void gatherRows(DeviceTensor dst, DeviceTensor src, int[] rows, int count, int dim) {
        long t = start();
        ops.gatherRows(dst, src, rows, count, dim);
        end("gatherRows", t);
    }
}
