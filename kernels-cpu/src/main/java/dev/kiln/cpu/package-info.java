/** The CPU backend: Vector API kernels for every GGUF weight type. */
package dev.kiln.cpu;
