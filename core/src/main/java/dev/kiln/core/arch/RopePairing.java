package dev.kiln.core.arch;

/**
 * Which elements of a head RoPE rotates together (ggml's rope modes): {@code NORMAL} rotates element 2i with
 * 2i+1 (llama, mistral); {@code NEOX} rotates element i with i + n_rot/2 (qwen2, qwen3).
 */
public enum RopePairing {
    NORMAL,
    NEOX
}
