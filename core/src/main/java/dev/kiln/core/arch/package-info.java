/**
 * Architectures as data: the tensor roles, hyperparameter keys and features of each supported
 * {@code general.architecture}, and the validated {@link dev.kiln.core.arch.HyperParams} read from a GGUF file.
 * Adding an architecture means adding a table entry in {@link dev.kiln.core.arch.Architectures}, not a package.
 */
package dev.kiln.core.arch;
