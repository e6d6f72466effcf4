package dev.kiln.cpu;

import dev.kiln.core.arch.RopePairing;
import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.core.spi.Ops;
import dev.kiln.core.spi.Rope;

import java.util.Objects;

/**
 * The CPU implementation of {@link Ops}: matrix multiplications through {@link MatMul} (rows split across the
 * backend's {@link CpuThreads}), attention split by (row, KV head) across the same pool with its inner loops in
 * {@link VectorMath}, and the cheap element-wise ops in plain loops on the calling thread. Norm sums accumulate in double (as ggml's {@code ggml_float}); softmax
 * subtracts the row maximum. These loops are also the scalar reference other backends are tested against.
 *
 * <p>Not thread-safe: one forward pass at a time (the per-call attention state lives in fields, so a call
 * allocates nothing).
 */
final class CpuOps implements Ops {
    /** Multiply-adds below which attention runs on the calling thread (about 10 µs of work). */
    private static final long SMALL_ATTENTION = 1 << 15;
    /** Element-wise ops on at least this many floats (prompt batches) are split across the pool. */
    private static final int PARALLEL_ELEMENTS = 1 << 15;
    /** Floats per element-wise task (a multiple of every vector length). */
    private static final int ELEMENT_CHUNK = 1 << 12;

    private final CpuThreads threads;
    private final MatMul matMul;
    private final PackedMatMul packedMatMul;
    private volatile boolean closed;
    private final RangeTask attentionTask = this::attentionRange;
    private final RangeTask swiGluTask = this::swiGluRange;
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[3][0]);

    // Per-call swiGlu state, read by swiGluTask.
    private float[] swiGate;
    private float[] swiUp;
    private int swiCount;

    // Per-call attention state, read by attentionTask.
    private float[] attnOut;
    private float[] attnQ;
    private KvLayer attnKv;
    private CpuTensor.Cache attnKeys;
    private CpuTensor.Cache attnValues;
    private Batch attnBatch;
    private Attention attnShape;

    CpuOps(CpuThreads threads) {
        this.threads = threads;
        this.matMul = new MatMul(threads);
        this.packedMatMul = new PackedMatMul(threads);
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
            int off = r * dim;
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                float v = in[off + i];
                sum += v * v;
            }
            float scale = (float) (1.0 / Math.sqrt(sum / dim + eps));
            for (int i = 0; i < dim; i++) {
                o[off + i] = in[off + i] * scale * w[i];
            }
        }
    }

    @Override
    public void matMul(DeviceTensor out, DeviceTensor w, DeviceTensor x, int tokens) {
        if (w instanceof CpuTensor.Packed p) {
            if (closed) {
                throw new IllegalStateException("tensor " + p.matrix().name() + ": the CPU backend is closed");
            }
            packedMatMul.apply(p, floats(x), floats(out), tokens);
        } else {
            matMul.apply(weights(w).data(), floats(x), floats(out), tokens);
        }
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
        // NORMAL pairs (2i, 2i+1); NEOX pairs (i, i + n_rot/2)
        boolean neox = rope.pairing() == RopePairing.NEOX;
        float m = rope.magnitude();
        for (int r = 0; r < rows; r++) {
            double p = batch.position(r);
            for (int i = 0; i < pairs; i++) {
                double theta = p * rope.frequency(i);
                float cos = (float) Math.cos(theta) * m;
                float sin = (float) Math.sin(theta) * m;
                int ia = neox ? i : 2 * i;
                int ib = neox ? i + pairs : 2 * i + 1;
                for (int h = 0; h < heads; h++) {
                    int base = r * width + h * headLength;
                    float xa = a[base + ia];
                    float xb = a[base + ib];
                    a[base + ia] = xa * cos - xb * sin;
                    a[base + ib] = xa * sin + xb * cos;
                }
            }
        }
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
        attnOut = floats(out);
        attnQ = floats(q);
        attnKv = kv;
        attnKeys = cache(kv.keys());
        attnValues = cache(kv.values());
        attnBatch = batch;
        attnShape = attention;
        try {
            int pairs = batch.size() * attention.headCountKv();
            long work = (long) pairs * (batch.cell(batch.size() - 1) + 1) * (attention.keyLength() + attention.valueLength())
                    * attention.groupSize();
            if (work < SMALL_ATTENTION) {
                attentionRange(0, pairs); // waking the pool costs more than this
            } else {
                threads.parallelFor(pairs, attentionTask);
            }
        } finally {
            attnOut = null;
            attnQ = null;
            attnKv = null;
            attnKeys = null;
            attnValues = null;
            attnBatch = null;
        }
    }

    /**
     * Attention for the (row, KV head) pairs {@code start..end-1} (index = row · headCountKv + kvHead): each cached
     * key and value row is converted once and used by every query head of the group.
     */
    private void attentionRange(int start, int end) {
        Attention shape = attnShape;
        KvLayer kv = attnKv;
        int heads = shape.headCount();
        int headsKv = shape.headCountKv();
        int kl = shape.keyLength();
        int vl = shape.valueLength();
        int group = shape.groupSize();
        int kw = kv.keyWidth();
        int vw = kv.valueWidth();
        float[][] s = scratch.get();
        if (s[0].length < group * kv.sequenceCapacity()) {
            s[0] = new float[group * kv.sequenceCapacity()];
        }
        if (s[1].length < kl) {
            s[1] = new float[kl];
        }
        if (s[2].length < vl) {
            s[2] = new float[vl];
        }
        float[] scores = s[0];  // [group][cells]
        float[] key = s[1];     // [keyLength]
        float[] value = s[2];   // [valueLength]
        for (int index = start; index < end; index++) {
            int r = index / headsKv;
            int kvHead = index % headsKv;
            int firstHead = kvHead * group;
            int cells = attnBatch.cell(r) + 1;
            long firstRow = kv.row(attnBatch.sequence(r), 0);
            float scale = shape.scale() * shape.temperature(attnBatch.position(r));
            // scores[g][t] = scale · q_h·k_t for the group's query heads h and every cell up to the row's own
            for (int t = 0; t < cells; t++) {
                attnKeys.load((int) ((firstRow + t) * kw + kvHead * kl), key, 0, kl);
                for (int g = 0; g < group; g++) {
                    int qOff = (r * heads + firstHead + g) * kl;
                    scores[g * cells + t] = VectorMath.dot(attnQ, qOff, key, 0, kl) * scale;
                }
            }
            // softmax per head (the maximum subtracted)
            for (int g = 0; g < group; g++) {
                int base = g * cells;
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t < cells; t++) {
                    max = Math.max(max, scores[base + t]);
                }
                double sum = 0;
                for (int t = 0; t < cells; t++) {
                    float e = (float) Math.exp(scores[base + t] - max);
                    scores[base + t] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                for (int t = 0; t < cells; t++) {
                    scores[base + t] *= inv;
                }
                int oOff = (r * heads + firstHead + g) * vl;
                for (int i = 0; i < vl; i++) {
                    attnOut[oOff + i] = 0f;
                }
            }
            // out_h = Σ_t p_h,t · v_t
            for (int t = 0; t < cells; t++) {
                attnValues.load((int) ((firstRow + t) * vw + kvHead * vl), value, 0, vl);
                for (int g = 0; g < group; g++) {
                    VectorMath.axpy(scores[g * cells + t], value, 0, attnOut, (r * heads + firstHead + g) * vl, vl);
                }
            }
        }
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

    /** Called by the backend's close: repacked weights are freed, so products with them must fail from now on. */
    void close() {
        closed = true;
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
