package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0: 32 weights share one scale; 4-bit unsigned quants with an implicit offset of 8.
 * <pre>// block: f16 d, u8 qs[16]  (18 bytes / 32 weights)
 * // w[j] = d * ((qs[j] &amp; 0xF) - 8),  w[j+16] = d * ((qs[j] &gt;&gt; 4) - 8),  j &lt; 16</pre>
 */
public final class Q4_0 extends BlockKernel {
    public Q4_0() {
        super(GgmlType.Q4_0);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(src, offset + 2 + j);
            dst[dstOffset + j] = ((q & 0xF) - 8) * d;
            dst[dstOffset + j + 16] = ((q >> 4) - 8) * d;
        }
    }
}
