package dev.kiln.cpu;

import dev.kiln.cpu.simd.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise loops on F32 rows, vectorized with the preferred species: the masked softmax of attention scores and
 * SwiGLU. {@link #softmaxScalar} and {@link #swiGluScalar} are the scalar references they are tested against.
 */
final class VectorMath {
    private static final VectorSpecies<Float> SPECIES = Species.preferred();

    private VectorMath() {}

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
}
