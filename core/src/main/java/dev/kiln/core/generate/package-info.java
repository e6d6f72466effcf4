/**
 * Text generation on top of the forward pass: {@link dev.kiln.core.generate.Generator} feeds a prompt in chunks,
 * then samples and feeds one token at a time until an end-of-generation token, the token budget or a full context,
 * reporting each token to a {@link dev.kiln.core.generate.TokenListener} and timings in
 * {@link dev.kiln.core.generate.Stats}.
 */
package dev.kiln.core.generate;
