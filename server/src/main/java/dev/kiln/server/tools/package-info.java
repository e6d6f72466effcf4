/**
 * Parsing a model's tool-call output back into OpenAI {@code tool_calls}: one small parser per model family
 * ({@link dev.kiln.server.tools.MistralToolCalls}, {@link dev.kiln.server.tools.HermesToolCalls},
 * {@link dev.kiln.server.tools.Llama3ToolCalls}, {@link dev.kiln.server.tools.DeepSeekToolCalls}), chosen from the chat
 * template by {@link dev.kiln.server.tools.ToolCallParser#forTemplate}. The formats are what each family's template
 * renders for an assistant turn with {@code tool_calls} (see the test data's {@code *.tools.cases.json}).
 */
package dev.kiln.server.tools;
