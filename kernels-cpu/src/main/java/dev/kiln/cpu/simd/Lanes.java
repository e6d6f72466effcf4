package dev.kiln.cpu.simd;

import jdk.incubator.vector.FloatVector;

/**
 * A float vector's lanes added in one fixed order, lane 0 first, in every JIT tier.
 *
 * <p>Why not {@code reduceLanes(VectorOperators.ADD)}: the Vector API leaves its order unspecified, and C2's
 * intrinsic adds the lanes in another order than the interpreter's and C1's sequential loop. A product computed
 * before and after the JIT compiled its kernel then differed by a rounding (measured on JDK 25, 256-bit vectors:
 * 518 of 1000 random 8-lane sums differed between C2 and C1). Kiln's float paths should give the same result for
 * the same input, whenever they run.
 */
public final class Lanes {
    private Lanes() {}

    /** {@code ((v[0] + v[1]) + v[2]) + ...}. */
    public static float sumInOrder(FloatVector v) {
        return sumInOrder(v, new float[v.length()]);
    }

    /**
     * {@link #sumInOrder(FloatVector)} through {@code scratch} (at least as many floats as v has lanes), for loops
     * that reduce many vectors: a new array per call cost the batched float product a fifth of its speed.
     */
    public static float sumInOrder(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        float s = scratch[0];
        for (int i = 1, n = v.length(); i < n; i++) {
            s += scratch[i];
        }
        return s;
    }
}
