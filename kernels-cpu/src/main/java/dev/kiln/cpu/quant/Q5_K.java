package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q5_K: Q4_K's layout (8 groups of 32, 6-bit scales and minimums) plus a fifth quant bit per weight in qh.
 * <pre>// block: f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]  (176 bytes / 256 weights)
 * // scales as in Q4_K; chunk c (64 weights) uses qs[32c ..): low nibbles (group 2c) take bit 2c of qh[l],
 * // high nibbles (group 2c+1) bit 2c+1: w = d * sc * (q + 16 * bit) - dmin * m</pre>
 */
public final class Q5_K extends BlockKernel {
    public Q5_K() {
        super(GgmlType.Q5_K);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        float dmin = Bytes.f16(src, offset + 2);
        long scales = offset + 4;
        long qh = offset + 16;
        int out = dstOffset;
        for (int c = 0; c < 4; c++) {
            long qs = offset + 48 + 32 * c;
            float d1 = d * Q4_K.scale(src, scales, 2 * c);
            float m1 = dmin * Q4_K.min(src, scales, 2 * c);
            float d2 = d * Q4_K.scale(src, scales, 2 * c + 1);
            float m2 = dmin * Q4_K.min(src, scales, 2 * c + 1);
            for (int l = 0; l < 32; l++) {
                int q = Bytes.u8(src, qs + l);
                int h = Bytes.u8(src, qh + l);
                dst[out + l] = d1 * ((q & 0xF) + (((h >> (2 * c)) & 1) << 4)) - m1;
                dst[out + 32 + l] = d2 * ((q >> 4) + (((h >> (2 * c + 1)) & 1) << 4)) - m2;
            }
            out += 64;
        }
    }
}
