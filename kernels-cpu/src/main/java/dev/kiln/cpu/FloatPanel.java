package dev.kiln.cpu;

import dev.kiln.cpu.simd.Specialiser;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;

/**
 * A panel of decoded weight rows (two vectors per column, columns one after another) times a batch of tokens, by outer
 * products: each step loads a column's two row vectors and multiplies them with one activation of each of six tokens,
 * broadcast, into twelve accumulators (two row vectors x six tokens: with the two weight vectors and a broadcast,
 * AVX2's sixteen vector registers). The tokens left over take a two-by-four block, then a two-by-two one, then at
 * most one token alone (a token alone loads two panel vectors per two multiply-adds: two of them left a 32-token
 * product at 30-34 against 33-37 G multiply-adds/s for 16 tokens, one core).
 * Every (row, token) sum adds its columns in order, from what {@code out} holds or from zero, whatever block it falls
 * in, so a result does not depend on the batch size.
 * <p>
 * Why outer products: the rows lie across a vector's lanes, so a column needs no horizontal sum and the twelve
 * multiply-adds of a step take two loads of the panel and six broadcasts from memory. One core of the Zen 3 machine
 * (256-bit vectors, a 16-row panel of 2048 columns in L2, 64 tokens): 48-49 G multiply-adds/s, against 18-22 for a
 * three-by-four block (which spills) and 33 for the packed Q4_K integer kernel.
 * Species-specialised (see {@link Specialiser}): no helper calls.
 */
public final class FloatPanel implements PanelProduct {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final int L = F.length();

    public FloatPanel() {
    }

    @Override
    public int rows() {
        return 2 * L;
    }

    @Override
    public void multiply(float[] panel, int cols, float[] x, int xOffset, int xStride, int tokens, float[] out,
                         int outOffset, int outStride, boolean add) {
        int t = 0;
        for (; t + 6 <= tokens; t += 6) {
            int x0 = xOffset + t * xStride, x1 = x0 + xStride, x2 = x1 + xStride;
            int x3 = x2 + xStride, x4 = x3 + xStride, x5 = x4 + xStride;
            int o0 = outOffset + t * outStride, o1 = o0 + outStride, o2 = o1 + outStride;
            int o3 = o2 + outStride, o4 = o3 + outStride, o5 = o4 + outStride;
            FloatVector a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5;
            if (add) {
                a0 = FloatVector.fromArray(F, out, o0);
                b0 = FloatVector.fromArray(F, out, o0 + L);
                a1 = FloatVector.fromArray(F, out, o1);
                b1 = FloatVector.fromArray(F, out, o1 + L);
                a2 = FloatVector.fromArray(F, out, o2);
                b2 = FloatVector.fromArray(F, out, o2 + L);
                a3 = FloatVector.fromArray(F, out, o3);
                b3 = FloatVector.fromArray(F, out, o3 + L);
                a4 = FloatVector.fromArray(F, out, o4);
                b4 = FloatVector.fromArray(F, out, o4 + L);
                a5 = FloatVector.fromArray(F, out, o5);
                b5 = FloatVector.fromArray(F, out, o5 + L);
            } else {
                a0 = b0 = a1 = b1 = a2 = b2 = a3 = b3 = a4 = b4 = a5 = b5 = FloatVector.zero(F);
            }
            for (int j = 0, p = 0; j < cols; j++, p += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(F, panel, p);
                FloatVector w1 = FloatVector.fromArray(F, panel, p + L);
                FloatVector y = FloatVector.broadcast(F, x[x0 + j]);
                a0 = w0.fma(y, a0);
                b0 = w1.fma(y, b0);
                y = FloatVector.broadcast(F, x[x1 + j]);
                a1 = w0.fma(y, a1);
                b1 = w1.fma(y, b1);
                y = FloatVector.broadcast(F, x[x2 + j]);
                a2 = w0.fma(y, a2);
                b2 = w1.fma(y, b2);
                y = FloatVector.broadcast(F, x[x3 + j]);
                a3 = w0.fma(y, a3);
                b3 = w1.fma(y, b3);
                y = FloatVector.broadcast(F, x[x4 + j]);
                a4 = w0.fma(y, a4);
                b4 = w1.fma(y, b4);
                y = FloatVector.broadcast(F, x[x5 + j]);
                a5 = w0.fma(y, a5);
                b5 = w1.fma(y, b5);
            }
            a0.intoArray(out, o0);
            b0.intoArray(out, o0 + L);
            a1.intoArray(out, o1);
            b1.intoArray(out, o1 + L);
            a2.intoArray(out, o2);
            b2.intoArray(out, o2 + L);
            a3.intoArray(out, o3);
            b3.intoArray(out, o3 + L);
            a4.intoArray(out, o4);
            b4.intoArray(out, o4 + L);
            a5.intoArray(out, o5);
            b5.intoArray(out, o5 + L);
        }
        if (t + 4 <= tokens) {
            int x0 = xOffset + t * xStride, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
            int o0 = outOffset + t * outStride, o1 = o0 + outStride, o2 = o1 + outStride, o3 = o2 + outStride;
            FloatVector a0, b0, a1, b1, a2, b2, a3, b3;
            if (add) {
                a0 = FloatVector.fromArray(F, out, o0);
                b0 = FloatVector.fromArray(F, out, o0 + L);
                a1 = FloatVector.fromArray(F, out, o1);
                b1 = FloatVector.fromArray(F, out, o1 + L);
                a2 = FloatVector.fromArray(F, out, o2);
                b2 = FloatVector.fromArray(F, out, o2 + L);
                a3 = FloatVector.fromArray(F, out, o3);
                b3 = FloatVector.fromArray(F, out, o3 + L);
            } else {
                a0 = b0 = a1 = b1 = a2 = b2 = a3 = b3 = FloatVector.zero(F);
            }
            for (int j = 0, p = 0; j < cols; j++, p += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(F, panel, p);
                FloatVector w1 = FloatVector.fromArray(F, panel, p + L);
                FloatVector y = FloatVector.broadcast(F, x[x0 + j]);
                a0 = w0.fma(y, a0);
                b0 = w1.fma(y, b0);
                y = FloatVector.broadcast(F, x[x1 + j]);
                a1 = w0.fma(y, a1);
                b1 = w1.fma(y, b1);
                y = FloatVector.broadcast(F, x[x2 + j]);
                a2 = w0.fma(y, a2);
                b2 = w1.fma(y, b2);
                y = FloatVector.broadcast(F, x[x3 + j]);
                a3 = w0.fma(y, a3);
                b3 = w1.fma(y, b3);
            }
            a0.intoArray(out, o0);
            b0.intoArray(out, o0 + L);
            a1.intoArray(out, o1);
            b1.intoArray(out, o1 + L);
            a2.intoArray(out, o2);
            b2.intoArray(out, o2 + L);
            a3.intoArray(out, o3);
            b3.intoArray(out, o3 + L);
            t += 4;
        }
        if (t + 2 <= tokens) {
            int x0 = xOffset + t * xStride, x1 = x0 + xStride;
            int o0 = outOffset + t * outStride, o1 = o0 + outStride;
            FloatVector a0, b0, a1, b1;
            if (add) {
                a0 = FloatVector.fromArray(F, out, o0);
                b0 = FloatVector.fromArray(F, out, o0 + L);
                a1 = FloatVector.fromArray(F, out, o1);
                b1 = FloatVector.fromArray(F, out, o1 + L);
            } else {
                a0 = b0 = a1 = b1 = FloatVector.zero(F);
            }
            for (int j = 0, p = 0; j < cols; j++, p += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(F, panel, p);
                FloatVector w1 = FloatVector.fromArray(F, panel, p + L);
                FloatVector y = FloatVector.broadcast(F, x[x0 + j]);
                a0 = w0.fma(y, a0);
                b0 = w1.fma(y, b0);
                y = FloatVector.broadcast(F, x[x1 + j]);
                a1 = w0.fma(y, a1);
                b1 = w1.fma(y, b1);
            }
            a0.intoArray(out, o0);
            b0.intoArray(out, o0 + L);
            a1.intoArray(out, o1);
            b1.intoArray(out, o1 + L);
            t += 2;
        }
        for (; t < tokens; t++) {
            int x0 = xOffset + t * xStride;
            int o0 = outOffset + t * outStride;
            FloatVector a0 = add ? FloatVector.fromArray(F, out, o0) : FloatVector.zero(F);
            FloatVector b0 = add ? FloatVector.fromArray(F, out, o0 + L) : FloatVector.zero(F);
            for (int j = 0, p = 0; j < cols; j++, p += 2 * L) {
                FloatVector y = FloatVector.broadcast(F, x[x0 + j]);
                a0 = FloatVector.fromArray(F, panel, p).fma(y, a0);
                b0 = FloatVector.fromArray(F, panel, p + L).fma(y, b0);
            }
            a0.intoArray(out, o0);
            b0.intoArray(out, o0 + L);
        }
    }
}
