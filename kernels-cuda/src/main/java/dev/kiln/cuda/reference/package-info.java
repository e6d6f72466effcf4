/**
 * Java references for the arithmetic of Kiln's CUDA kernels: the ggml block layouts as the kernels read them, the
 * 8-bit activation format, the per-lane dp4a dot products (one or several activation columns), RoPE with YaRN, split
 * (flash-decoding) attention over several query rows, and the per-token F16 scales of prefill.
 * CPU tests check them against straightforward dequantize-then-dot; the GPU check compares each kernel with them.
 */
package dev.kiln.cuda.reference;
