/**
 * The GGUF file format: a bounds-checked reader over a memory-mapped file, a streaming writer, and the
 * table of ggml tensor types. Depends on {@code java.base} only; tensor data is never copied
 * ({@link dev.kiln.gguf.TensorData} is a slice of the mapping).
 */
package dev.kiln.gguf;
