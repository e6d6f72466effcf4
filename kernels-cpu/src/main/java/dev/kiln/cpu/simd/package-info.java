/**
 * Vector API plumbing shared by the CPU kernels: the preferred species, per-species copies of kernel classes
 * (so the species is a compile-time constant for C2), and little-endian reads of block fields.
 */
package dev.kiln.cpu.simd;
