/**
 * Kiln for LangChain4j: {@link dev.kiln.langchain4j.KilnChatModel} is a {@code ChatModel} and
 * {@code StreamingChatModel} that runs a GGUF model in this JVM ({@link dev.kiln.langchain4j.KilnEngine}), with the
 * model's chat template, tool calls and thinking handled as {@code kiln serve} handles them.
 */
package dev.kiln.langchain4j;
