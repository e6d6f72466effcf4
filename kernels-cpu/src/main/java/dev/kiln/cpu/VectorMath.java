package dev.kiln.cpu;

import dev.kiln.cpu.simd.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two inner loops of attention on F32 rows, vectorized with the preferred species: a dot product (q·k) and
 * {@code y += a·x} (weighted values). {@link #dotScalar} and {@link #axpyScalar} are the scalar references they are
 * tested against.
 */
final class VectorMath {
    private static final VectorSpecies<Float> SPECIES = Species.preferred();

    private VectorMath() {}

    /** Σ a[aOff+i]·b[bOff+i] for i < n. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (; i < bound; i += SPECIES.length()) {
            acc = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** y[yOff+i] += a·x[xOff+i] for i < n. */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        FloatVector va = FloatVector.broadcast(SPECIES, a);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, xOff + i).fma(va, FloatVector.fromArray(SPECIES, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** gate[i] = silu(gate[i]) · up[i] = gate[i] / (1 + e^-gate[i]) · up[i] for i in [from, to). */
    static void swiGlu(float[] gate, float[] up, int from, int to) {
        int i = from;
        int bound = from + SPECIES.loopBound(to - from);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector g = FloatVector.fromArray(SPECIES, gate, i);
            FloatVector e = g.neg().lanewise(VectorOperators.EXP);
            g.div(e.add(1f)).mul(FloatVector.fromArray(SPECIES, up, i)).intoArray(gate, i);
        }
        swiGluScalar(gate, up, i, to);
    }

    /** The scalar reference of {@link #swiGlu} (Math.exp; the vector EXP may differ by an ulp). */
    static void swiGluScalar(float[] gate, float[] up, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = gate[i];
            gate[i] = v / (1f + (float) Math.exp(-v)) * up[i];
        }
    }

    /**
     * Softmax of {@code x[off .. off+valid)} in place (the maximum subtracted, sum in float), and zeros in
     * {@code [off+valid, off+total)}: one masked row of attention scores.
     */
    static void softmax(float[] x, int off, int valid, int total) {
        int bound = off + SPECIES.loopBound(valid);
        FloatVector vmax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int i = off;
        for (; i < bound; i += SPECIES.length()) {
            vmax = vmax.max(FloatVector.fromArray(SPECIES, x, i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < off + valid; i++) {
            max = Math.max(max, x[i]);
        }
        FloatVector vsum = FloatVector.zero(SPECIES);
        for (i = off; i < bound; i += SPECIES.length()) {
            FloatVector e = FloatVector.fromArray(SPECIES, x, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, i);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < off + valid; i++) {
            float e = (float) Math.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (i = off; i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, i).mul(inv).intoArray(x, i);
        }
        for (; i < off + valid; i++) {
            x[i] *= inv;
        }
        java.util.Arrays.fill(x, off + valid, off + total, 0f);
    }

    /** The scalar reference of {@link #softmax} (Math.exp; sums in double). */
    static void softmaxScalar(float[] x, int off, int valid, int total) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + valid; i++) {
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        for (int i = off; i < off + valid; i++) {
            float e = (float) Math.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = off; i < off + valid; i++) {
            x[i] *= inv;
        }
        java.util.Arrays.fill(x, off + valid, off + total, 0f);
    }

    static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    static void axpyScalar(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }
}
