/** Architectures, models, tokenizers, the forward pass and the backend SPI. */
package dev.kiln.core;
