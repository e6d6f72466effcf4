package example;

import dev.kiln.langchain4j.KilnChatModel;
import dev.langchain4j.model.chat.ChatModel;

import java.nio.file.Path;

/**
 * The README's LangChain4j example (the lines between the markers are the README's, word for word): Kiln as a
 * LangChain4j ChatModel in this JVM, on a local GGUF file.
 */
public final class LangChainStory {

    public static void main(String[] args) {
        Path file = Path.of(args.length > 0 ? args[0] : "model.gguf");
        // README begin
        try (KilnChatModel kiln = KilnChatModel.builder().modelPath(file).temperature(0.0).maxOutputTokens(48).build()) {
            ChatModel model = kiln;   // also a StreamingChatModel; give it to AiServices with your @Tool objects
            System.out.println(model.chat("Tell me a story about a dog."));
        }
        // README end
    }
}
