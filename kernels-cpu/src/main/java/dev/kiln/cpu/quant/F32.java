package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.cpu.simd.Lanes;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * F32: plain little-endian float32 weights.
 * <pre>// element: f32 (4 bytes / weight)</pre>
 */
public final class F32 extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser). */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final int L = F.length();

    public F32() {
        super(GgmlType.F32);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        dst[dstOffset] = Bytes.f32(src, offset);
    }

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        long o = offsetBytes;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L, o += 2L * L * 4) {
            acc0 = FloatVector.fromMemorySegment(F, w, o, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, o + (long) L * 4, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
        }
        float sum = Lanes.sumInOrder(acc0.add(acc1));
        for (; i < n; i++, o += 4) {
            sum += Bytes.f32(w, o) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    public void decode(MemorySegment w, long offsetBytes, float[] dst, int dstOffset, int n) {
        checkRange(w, offsetBytes, dst.length, dstOffset, n);
        int i = 0;
        long o = offsetBytes;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L, o += 2L * L * 4) {
            FloatVector.fromMemorySegment(F, w, o, ByteOrder.LITTLE_ENDIAN).intoArray(dst, dstOffset + i);
            FloatVector.fromMemorySegment(F, w, o + (long) L * 4, ByteOrder.LITTLE_ENDIAN).intoArray(dst, dstOffset + i + L);
        }
        for (; i < n; i++, o += 4) {
            dst[dstOffset + i] = Bytes.f32(w, o);
        }
    }
}
