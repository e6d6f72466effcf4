package dev.kiln.cpu;

import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.cpu.packed.PackedKernel;
import dev.kiln.cpu.packed.PackedMatrix;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;

/**
 * The CPU backend's tensors: F32 arrays for activations and small F32 weights (norms, biases), zero-copy views of
 * the mapped file for weight matrices, and KV-cache storage in F32, F16 or Q8_0.
 */
sealed interface CpuTensor extends DeviceTensor {

    /** F32 on the heap. */
    record Floats(float[] data) implements CpuTensor {
        @Override
        public GgmlType type() {
            return GgmlType.F32;
        }

        @Override
        public long elements() {
            return data.length;
        }
    }

    /** A weight matrix in its GGUF type, read in place from the mapping. */
    record Weights(TensorData data) implements CpuTensor {
        @Override
        public GgmlType type() {
            return data.type();
        }

        @Override
        public long elements() {
            return data.info().elementCount();
        }
    }

    /**
     * A weight matrix repacked for the integer kernels ({@link dev.kiln.core.spi.MatMulPrecision#Q8}); {@code source}
     * is the mapped original (row lookups, messages).
     */
    record Packed(PackedMatrix matrix, PackedKernel kernel, TensorData source)
            implements CpuTensor {
        @Override
        public GgmlType type() {
            return source.type();
        }

        @Override
        public long elements() {
            return source.info().elementCount();
        }
    }

    /**
     * KV-cache rows. F32: {@code f32} [elements]; F16: {@code f16} [elements] (IEEE half bits); Q8_0:
     * {@code q8} [elements] int8 quants plus {@code scales} [elements/32] f16 block scales, as ggml's
     * {@code block_q8_0} (d = max|x|/127, q = round(x/d)).
     */
    record Cache(GgmlType type, long elements, float[] f32, short[] f16, byte[] q8, short[] scales) implements CpuTensor {

        static Cache allocate(GgmlType type, long elements) {
            if (elements > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("KV cache buffer of " + elements + " elements is too large for one CPU"
                        + " array; use a smaller --ctx-size");
            }
            int n = (int) elements;
            return switch (type) {
                case F32 -> new Cache(type, n, new float[n], null, null, null);
                case F16 -> new Cache(type, n, null, new short[n], null, null);
                case Q8_0 -> {
                    if (n % 32 != 0) {
                        throw new IllegalArgumentException("Q8_0 cache of " + n + " elements: not a multiple of 32");
                    }
                    yield new Cache(type, n, null, null, new byte[n], new short[n / 32]);
                }
                default -> throw new IllegalArgumentException("KV cache type " + type + " is not supported on the CPU");
            };
        }

        /** Stores {@code n} floats of {@code src[srcOff..]} at element {@code dstOff} (a multiple of 32 for Q8_0). */
        void store(float[] src, int srcOff, int dstOff, int n) {
            switch (type) {
                case F32 -> System.arraycopy(src, srcOff, f32, dstOff, n);
                case F16 -> {
                    for (int i = 0; i < n; i++) {
                        f16[dstOff + i] = Float.floatToFloat16(src[srcOff + i]);
                    }
                }
                default -> {
                    for (int b = 0; b < n; b += 32) {
                        float amax = 0f;
                        for (int i = 0; i < 32; i++) {
                            amax = Math.max(amax, Math.abs(src[srcOff + b + i]));
                        }
                        float d = amax / 127f;
                        float id = d != 0f ? 1f / d : 0f;
                        scales[(dstOff + b) / 32] = Float.floatToFloat16(d);
                        for (int i = 0; i < 32; i++) {
                            q8[dstOff + b + i] = (byte) roundHalfAway(src[srcOff + b + i] * id);
                        }
                    }
                }
            }
        }

        /** C's roundf: halves away from zero, as ggml's quantize_row_q8_0. */
        private static int roundHalfAway(float v) {
            return (int) (v >= 0 ? Math.floor(v + 0.5f) : -Math.floor(-v + 0.5f));
        }

        /** Reads {@code n} elements at {@code srcOff} (any offset) into {@code dst[dstOff..]} as F32. */
        void load(int srcOff, float[] dst, int dstOff, int n) {
            switch (type) {
                case F32 -> System.arraycopy(f32, srcOff, dst, dstOff, n);
                case F16 -> {
                    for (int i = 0; i < n; i++) {
                        dst[dstOff + i] = Float.float16ToFloat(f16[srcOff + i]);
                    }
                }
                default -> {
                    // a head may start or end inside a block (head lengths below 32)
                    int i = 0;
                    while (i < n) {
                        int block = (srcOff + i) / 32;
                        int end = Math.min(n, (block + 1) * 32 - srcOff);
                        float d = Float.float16ToFloat(scales[block]);
                        for (; i < end; i++) {
                            dst[dstOff + i] = q8[srcOff + i] * d;
                        }
                    }
                }
            }
        }
    }
}
