/**
 * Turning generated text into OpenAI message parts: think blocks to {@code reasoning_content}
 * ({@link dev.kiln.core.chat.ReasoningSplitter}), stop strings ({@link dev.kiln.server.chat.StopMatcher}), both
 * streaming-safe (a tag or stop string split over tokens is held back until it is decided).
 */
package dev.kiln.server.chat;
