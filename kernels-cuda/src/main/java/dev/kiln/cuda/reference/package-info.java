/**
 * Java references for the arithmetic of Kiln's CUDA kernels: the ggml block layouts as the kernels read them, the
 * 8-bit activation format, the per-lane dp4a dot products, RoPE with YaRN and split (flash-decoding) attention.
 * CPU tests check them against straightforward dequantize-then-dot; the GPU check compares each kernel with them.
 */
package dev.kiln.cuda.reference;
