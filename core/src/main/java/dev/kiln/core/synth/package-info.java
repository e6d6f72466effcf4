/**
 * Synthetic GGUF models: files with the exact shapes, tensor names, tensor types and metadata of real
 * models, with random contents, for benchmarks at real scale without downloading the real weights.
 *
 * <p>{@link dev.kiln.core.synth.ModelShapes} is the table of real models' hyperparameters,
 * {@link dev.kiln.core.synth.QuantMix} reproduces llama.cpp's per-tensor type choices
 * ({@code llama_tensor_get_type} in llama.cpp's src/llama-quant.cpp), {@link dev.kiln.core.synth.TensorPlan}
 * lists the tensors in llama-quantize's order, {@link dev.kiln.core.synth.RandomBlocks} fills quantized blocks
 * with valid random contents, {@link dev.kiln.core.synth.SyntheticVocab} makes tokenizer metadata and
 * {@link dev.kiln.core.synth.SynthWriter} streams the file to disk.
 */
package dev.kiln.core.synth;
