/**
 * Chat prompts: {@link dev.kiln.core.chat.ChatTemplate} renders a model's {@code tokenizer.chat_template} (Jinja)
 * for a list of {@link dev.kiln.core.chat.ChatMessage}s and {@link dev.kiln.core.chat.RenderOptions} exactly as
 * Hugging Face {@code apply_chat_template} does (engine: {@code dev.kiln.core.chat.jinja});
 * {@link dev.kiln.core.chat.ChatFormat} supplies a built-in format when a file has no template.
 */
package dev.kiln.core.chat;
