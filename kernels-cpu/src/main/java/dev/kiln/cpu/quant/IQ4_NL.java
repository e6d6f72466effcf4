package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * IQ4_NL: 32 weights share one scale; each 4-bit quant indexes a fixed non-linear table of 16 levels.
 * <pre>// block: f16 d, u8 qs[16]  (18 bytes / 32 weights)
 * // w[j] = d * LEVELS[qs[j] &amp; 0xF],  w[j+16] = d * LEVELS[qs[j] &gt;&gt; 4],  j &lt; 16</pre>
 */
public final class IQ4_NL extends BlockKernel {
    /** ggml's kvalues_iq4nl. */
    static final byte[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    public IQ4_NL() {
        super(GgmlType.IQ4_NL);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(src, offset + 2 + j);
            dst[dstOffset + j] = d * LEVELS[q & 0xF];
            dst[dstOffset + j + 16] = d * LEVELS[q >> 4];
        }
    }
}
