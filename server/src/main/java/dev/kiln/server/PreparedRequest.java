package dev.kiln.server;

import dev.kiln.server.slot.GenerationJob;

/**
 * A request turned into a job, plus how to answer it: chat or text completion, streamed or whole.
 */
record PreparedRequest(GenerationJob job, boolean chat, boolean stream, boolean includeUsage, boolean logprobs) {
}
