package dev.kiln.core.arch;

/** Where a tensor role sits in the model: before the blocks, in every block, or in the output head (llama.cpp's LLM_TENSOR_LAYER_*). */
public enum LayerClass {
    INPUT,
    REPEATING,
    OUTPUT
}
