package dev.kiln.core.spi;

/**
 * How the CPU backend multiplies quantized weights with activations ({@link #OPTION}, CLI {@code --cpu-matmul}).
 */
public enum MatMulPrecision {
    /**
     * Activations quantized to 8 bits per block (as llama.cpp's CPU backend does for its quantized types) and integer
     * dot products on weights repacked at load for the vector units; the fast default. Weight types without an integer
     * kernel use {@link #F32}.
     */
    Q8,
    /** Float activations times exactly dequantized weights, read in place from the file: the exact reference path. */
    F32;

    /** The backend option that selects it (default {@link #Q8}). */
    public static final BackendOption<MatMulPrecision> OPTION =
            BackendOption.of("cpu.matmul", MatMulPrecision.class, Q8);

    /** Parses "q8" or "f32" (any case). */
    public static MatMulPrecision parse(String s) {
        for (MatMulPrecision p : values()) {
            if (p.name().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("matmul precision: expected q8 or f32, found '" + s + "'");
    }
}
