package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * BF16: bfloat16 weights (the upper 16 bits of a float32), widened exactly.
 * <pre>// element: bf16 (2 bytes / weight)</pre>
 */
public final class BF16 extends BlockKernel {
    public BF16() {
        super(GgmlType.BF16);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        dst[dstOffset] = Bytes.bf16(src, offset);
    }
}
