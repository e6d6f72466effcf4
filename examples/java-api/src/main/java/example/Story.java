package example;

import dev.kiln.core.Completion;
import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.Session;
import dev.kiln.core.chat.ChatMessage;
import dev.kiln.core.sampling.SamplingParams;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's Java API example (the lines between the markers are the README's, word for word): a greedy story,
 * then a chat turn. Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp CLASSPATH example.Story MODEL.gguf}.
 */
public final class Story {

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "model.gguf");
        // README begin
        LoadOptions options = LoadOptions.defaults().withThreads(4).withContextSize(2048);
        try (Model model = Kiln.load(file, options)) {
            try (Session story = model.newSession()) {
                Completion c = story.generate("Once upon a time", SamplingParams.GREEDY, 64, System.out::print);
                System.err.println(c.stats().summary());
            }
            try (Session chat = model.newSession()) {
                List<ChatMessage> messages = new ArrayList<>(List.of(
                        ChatMessage.system("You are concise."), ChatMessage.user("Why is the sky blue?")));
                Completion reply = chat.chat(messages, SamplingParams.DEFAULTS, 64, System.out::print);
                messages.add(ChatMessage.assistant(reply.text()));   // the next chat() computes only the new turn
            }
        }
        // README end
    }
}
