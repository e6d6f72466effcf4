package dev.kiln.cpu;

import dev.kiln.core.arch.RopePairing;
import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.core.spi.Ops;
import dev.kiln.core.spi.Rope;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The CPU implementation of {@link Ops}: matrix multiplications through {@link MatMul} (float activations) or
 * {@link PackedMatMul} (repacked weights, 8-bit activations), rows split across the backend's {@link CpuThreads};
 * attention through {@link CpuAttention} on the same pool; SwiGLU (split across the pool for prompt batches) and RMS
 * norm vectorized ({@link VectorMath}); the other element-wise ops in plain loops on the calling thread, RoPE with its
 * angles computed once per batch. Norm sums accumulate in double (as ggml's {@code ggml_float}); softmax subtracts
 * the row maximum.
 *
 * <p>Not thread-safe: one forward pass at a time (per-call state lives in fields, so a call allocates nothing but
 * {@code matMuls}' two arrays of its operands).
 */
final class CpuOps implements Ops {
    /** Element-wise ops on at least this many floats (prompt batches) are split across the pool. */
    private static final int PARALLEL_ELEMENTS = 1 << 15;
    /** Floats per element-wise task (a multiple of every vector length). */
    private static final int ELEMENT_CHUNK = 1 << 12;

    private final CpuThreads threads;
    private final MatMul matMul;
    private final CpuAttention attention;
    private final PackedMatMul packedMatMul;
    private volatile boolean closed;
    private final ReadWriteLock packedUse = new ReentrantReadWriteLock();
    private final RangeTask swiGluTask = this::swiGluRange;

    // Per-call swiGlu state, read by swiGluTask.
    private float[] swiGate;
    private float[] swiUp;
    private int swiCount;

    // The angles of the last rope call (see ropeAngles).
    private Batch ropeBatch;
    private Rope ropeParams;
    private float[] ropeTable;

    CpuOps(CpuThreads threads) {
        this.threads = threads;
        this.matMul = new MatMul(threads);
        this.attention = new CpuAttention(threads);
        this.packedMatMul = new PackedMatMul(threads);
    }

    /** From how many tokens the repacked matrices' batched products run in float ({@link PackedMatMul}). */
    int floatBatchTokens() {
        return packedMatMul.floatBatchTokens();
    }

    @Override
    public void embed(DeviceTensor out, DeviceTensor table, Batch batch) {
        CpuTensor.Weights t = weights(table);
        float[] x = floats(out);
        int dim = (int) t.data().rowLength();
        for (int r = 0; r < batch.size(); r++) {
            matMul.row(t.data(), batch.token(r), x, r * dim);
        }
    }

    @Override
    public void rmsNorm(DeviceTensor out, DeviceTensor x, DeviceTensor weight, int rows, int dim, float eps) {
        float[] o = floats(out);
        float[] in = floats(x);
        float[] w = floats(weight);
        Objects.checkFromIndexSize(0, rows * dim, Math.min(o.length, in.length));
        Objects.checkFromIndexSize(0, dim, w.length);
        for (int r = 0; r < rows; r++) {
            VectorMath.rmsNorm(in, w, o, r * dim, dim, eps);
        }
    }

    @Override
    public void matMul(DeviceTensor out, DeviceTensor w, DeviceTensor x, int tokens) {
        if (w instanceof CpuTensor.Packed p) {
            Lock use = lockPacked(p);
            try {
                packedMatMul.apply(p, floats(x), floats(out), tokens);
            } finally {
                use.unlock();
            }
        } else {
            matMul.apply(weights(w).data(), floats(x), floats(out), tokens);
        }
    }

    /**
     * Repacked matrices of one input run as one {@link PackedMatMul} call (one quantizing pass, one dispatch); any
     * other mix one by one. In a decode step of the tinyllama Q4_K_M file attn_k and attn_v took 36 us a call apart,
     * where their bytes at attn_q's rate take 24. Zen 3, two threads, decode steps over 22 layers of tinyllama's q, k,
     * v, gate and up shapes (random Q4_K and Q6_K weights, beyond the caches), alternating in one process: 818 against
     * 848 us a layer (eight rounds, paired ratio 0.973); at 8 and 64 tokens equal (0.998, 1.005).
     */
    @Override
    public void matMuls(DeviceTensor[] out, DeviceTensor[] w, DeviceTensor x, int tokens) {
        CpuTensor.Packed[] packed = packedOnly(out, w, x);
        if (packed == null) {
            Ops.super.matMuls(out, w, x, tokens);
            return;
        }
        float[][] outs = new float[out.length][];
        for (int i = 0; i < out.length; i++) {
            outs[i] = floats(out[i]);
        }
        Lock use = lockPacked(packed[0]);
        try {
            packedMatMul.apply(packed, floats(x), outs, tokens);
        } finally {
            use.unlock();
        }
    }

    /**
     * w as repacked matrices where every one is repacked and every output is distinct from x and from the others,
     * else null (the products then run one by one, as {@link Ops#matMuls}'s default defines them).
     */
    private static CpuTensor.Packed[] packedOnly(DeviceTensor[] out, DeviceTensor[] w, DeviceTensor x) {
        if (out.length != w.length || w.length == 0) {
            return null;
        }
        CpuTensor.Packed[] packed = new CpuTensor.Packed[w.length];
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] instanceof CpuTensor.Packed p) || out[i] == x) {
                return null;
            }
            for (int j = 0; j < i; j++) {
                if (out[j] == out[i]) {
                    return null;
                }
            }
            packed[i] = p;
        }
        return packed;
    }

    /**
     * The read lock a product of repacked weights holds: {@link #close()} takes the write lock before the repacked
     * memory is freed.
     */
    private Lock lockPacked(CpuTensor.Packed p) {
        Lock use = packedUse.readLock();
        if (closed || !use.tryLock()) {
            throw new IllegalStateException("tensor " + p.matrix().name() + ": the CPU backend is closed");
        }
        if (closed) {
            use.unlock();
            throw new IllegalStateException("tensor " + p.matrix().name() + ": the CPU backend is closed");
        }
        return use;
    }

    @Override
    public void addBias(DeviceTensor x, DeviceTensor bias, int rows, int dim) {
        float[] a = floats(x);
        float[] b = floats(bias);
        Objects.checkFromIndexSize(0, rows * dim, a.length);
        Objects.checkFromIndexSize(0, dim, b.length);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < dim; i++) {
                a[r * dim + i] += b[i];
            }
        }
    }

    @Override
    public void rope(DeviceTensor x, int heads, int headLength, Batch batch, Rope rope) {
        float[] a = floats(x);
        int rows = batch.size();
        int width = heads * headLength;
        Objects.checkFromIndexSize(0, rows * width, a.length);
        int pairs = rope.dimensions() / 2;
        float[] angles = ropeAngles(batch, rope); // [rows][pairs][cos, sin]
        // NORMAL pairs (2i, 2i+1); NEOX pairs (i, i + n_rot/2)
        boolean neox = rope.pairing() == RopePairing.NEOX;
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                int base = r * width + h * headLength;
                for (int i = 0, at = 2 * r * pairs; i < pairs; i++, at += 2) {
                    float cos = angles[at];
                    float sin = angles[at + 1];
                    int ia = base + (neox ? i : 2 * i);
                    int ib = base + (neox ? i + pairs : 2 * i + 1);
                    float xa = a[ia];
                    float xb = a[ib];
                    a[ia] = xa * cos - xb * sin;
                    a[ib] = xa * sin + xb * cos;
                }
            }
        }
    }

    /**
     * {@code m·cos θ, m·sin θ} with {@code θ = position(r) · frequency(i)}, [rows][pairs][2], computed once per batch and
     * rope: every layer of a forward pass (queries and keys) rotates by the same angles, and computing them per call
     * (two {@code Math} calls per pair and row) was most of rope's 0.7% of a 64-token prompt pass on the 1B file.
     * Batches and ropes are immutable, so the last pair seen is recognised by identity; the table's array is reused.
     */
    private float[] ropeAngles(Batch batch, Rope rope) {
        if (batch == ropeBatch && rope == ropeParams) {
            return ropeTable;
        }
        int rows = batch.size();
        int pairs = rope.dimensions() / 2;
        float m = rope.magnitude();
        float[] table = ropeTable != null && ropeTable.length >= 2 * rows * pairs ? ropeTable : new float[2 * rows * pairs];
        for (int r = 0; r < rows; r++) {
            double p = batch.position(r);
            for (int i = 0; i < pairs; i++) {
                double theta = p * rope.frequency(i);
                table[2 * (r * pairs + i)] = (float) Math.cos(theta) * m;
                table[2 * (r * pairs + i) + 1] = (float) Math.sin(theta) * m;
            }
        }
        ropeBatch = batch;
        ropeParams = rope;
        ropeTable = table;
        return table;
    }

    @Override
    public void storeKv(KvLayer kv, DeviceTensor k, DeviceTensor v, Batch batch) {
        float[] ks = floats(k);
        float[] vs = floats(v);
        CpuTensor.Cache kc = cache(kv.keys());
        CpuTensor.Cache vc = cache(kv.values());
        int kw = kv.keyWidth();
        int vw = kv.valueWidth();
        for (int r = 0; r < batch.size(); r++) {
            if (batch.cell(r) >= kv.sequenceCapacity() || batch.sequence(r) >= kv.sequences()) {
                throw new IllegalArgumentException("batch row " + r + ": cell " + batch.cell(r) + " of sequence "
                        + batch.sequence(r) + " outside a cache of " + kv.sequences() + " x " + kv.sequenceCapacity());
            }
            long row = kv.row(batch.sequence(r), batch.cell(r));
            kc.store(ks, r * kw, (int) (row * kw), kw);
            vc.store(vs, r * vw, (int) (row * vw), vw);
        }
    }

    @Override
    public void attention(DeviceTensor out, DeviceTensor q, KvLayer kv, Batch batch, Attention attention) {
        this.attention.apply(floats(out), floats(q), kv, cache(kv.keys()), cache(kv.values()), batch, attention);
    }

    @Override
    public void swiGlu(DeviceTensor gate, DeviceTensor up, int floats) {
        float[] g = floats(gate);
        float[] u = floats(up);
        Objects.checkFromIndexSize(0, floats, Math.min(g.length, u.length));
        if (floats < PARALLEL_ELEMENTS) {
            VectorMath.swiGlu(g, u, 0, floats);
            return;
        }
        swiGate = g;
        swiUp = u;
        swiCount = floats;
        try {
            threads.parallelFor((floats + ELEMENT_CHUNK - 1) / ELEMENT_CHUNK, swiGluTask);
        } finally {
            swiGate = null;
            swiUp = null;
        }
    }

    private void swiGluRange(int start, int end) {
        VectorMath.swiGlu(swiGate, swiUp, start * ELEMENT_CHUNK, Math.min(swiCount, end * ELEMENT_CHUNK));
    }

    @Override
    public void add(DeviceTensor acc, DeviceTensor x, int floats) {
        float[] a = floats(acc);
        float[] b = floats(x);
        Objects.checkFromIndexSize(0, floats, Math.min(a.length, b.length));
        for (int i = 0; i < floats; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public void gatherRows(DeviceTensor dst, DeviceTensor src, int[] rows, int count, int dim) {
        float[] d = floats(dst);
        float[] s = floats(src);
        for (int i = 0; i < count; i++) {
            System.arraycopy(s, rows[i] * dim, d, i * dim, dim);
        }
    }

    /**
     * Called by the backend's close before it frees the repacked weights: products with them fail from now on, and
     * the call waits up to {@code timeoutMillis} for the running ones. Returns false if one is still running (the
     * memory must then not be freed).
     */
    boolean close(long timeoutMillis) {
        closed = true;
        try {
            return packedUse.writeLock().tryLock(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static float[] floats(DeviceTensor t) {
        if (t instanceof CpuTensor.Floats f) {
            return f.data();
        }
        throw new IllegalArgumentException("expected a CPU F32 tensor, found " + describe(t));
    }

    static CpuTensor.Weights weights(DeviceTensor t) {
        if (t instanceof CpuTensor.Weights w) {
            return w;
        }
        throw new IllegalArgumentException("expected a CPU weight tensor, found " + describe(t));
    }

    static CpuTensor.Cache cache(DeviceTensor t) {
        if (t instanceof CpuTensor.Cache c) {
            return c;
        }
        throw new IllegalArgumentException("expected a CPU KV-cache tensor, found " + describe(t));
    }

    private static String describe(DeviceTensor t) {
        return t == null ? "null" : t.getClass().getSimpleName() + " " + t.type() + " [" + t.elements() + "]";
    }
}
