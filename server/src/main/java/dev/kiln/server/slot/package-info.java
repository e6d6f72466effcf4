/**
 * Slots and continuous batching: {@link dev.kiln.server.slot.SlotScheduler} runs one loop in which every step
 * gathers the next row of each generating slot plus a {@code -b} chunk of a waiting prompt into one batch, as
 * llama-server does. Generation state (sampler, stop strings, think state, tool-call section) lives in the slot's
 * {@link dev.kiln.server.slot.GenerationJob}, never in the HTTP handler, so a client that goes away only frees a slot.
 */
package dev.kiln.server.slot;
