/**
 * The Java API: {@link dev.kiln.core.Kiln#load} gives a {@link dev.kiln.core.Model} (thread-safe, shareable), whose
 * {@link dev.kiln.core.Session}s generate text or chat, streaming text pieces. Subpackages hold architectures
 * ({@code arch}), model loading ({@code model}), the backend SPI ({@code spi}), the forward pass ({@code graph}), the KV
 * cache ({@code kv}), generation ({@code generate}), tokenizers, chat templates and sampling.
 */
package dev.kiln.core;
