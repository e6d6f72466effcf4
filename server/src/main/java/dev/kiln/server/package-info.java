/**
 * The OpenAI-compatible HTTP server behind {@code kiln serve}: {@link dev.kiln.server.Server} (Jetty 12 routes),
 * request validation with OpenAI-shaped errors, server-sent events, {@code /metrics}. Generation itself runs in
 * {@link dev.kiln.server.slot.SlotScheduler}; the model is reached only through {@link dev.kiln.server.model}.
 */
package dev.kiln.server;
