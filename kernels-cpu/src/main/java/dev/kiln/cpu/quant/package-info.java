/**
 * One kernel class per ggml weight type, named as ggml names it ({@code Q4_K}, {@code Q8_0}, ...): a scalar
 * dequantizer (the readable reference, block layout in the class comment) and a Vector API dot product that decodes
 * each weight byte once. {@link dev.kiln.cpu.quant.QuantKernels} looks them up by {@link dev.kiln.gguf.GgmlType}.
 * The vector methods call only JDK methods: C2 stops inlining a method's own small helpers once the Vector API has
 * made the method large (NodeCountInliningCutoff), and a vector passed to a helper that was not inlined is boxed.
 */
package dev.kiln.cpu.quant;
