/**
 * Adapters from Kiln's engine to the server's model interfaces: {@link dev.kiln.server.engine.EngineStepModel}
 * (the shared {@code Forward} over a multi-sequence {@code KvCache}, one sequence per slot) and
 * {@link dev.kiln.server.engine.TemplateChat} (the model's Jinja chat template).
 */
package dev.kiln.server.engine;
