package dev.kiln.server.engine;

import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.chat.ChatTemplate;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.server.model.ServedModel;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Loads a GGUF file for serving: the engine model ({@code -ngl}, {@code -t}, {@code -b}), one KV cache with a
 * sequence per slot ({@code -np}) of {@code -c / -np} cells each (as llama-server splits {@code -c}), the tokenizer and
 * the chat template (or the built-in fallback format).
 */
public final class EngineModels {

    private EngineModels() {
    }

    /**
     * @param contextSize {@code -c}: positions shared by all slots (capped at the model's training context, as
     *                    {@link Model#contextSize()} does for sessions)
     * @param slots       {@code -np}
     */
    public static ServedModel open(Path file, LoadOptions options, int contextSize, int slots) throws IOException {
        return open(file, options, contextSize, slots, null, java.util.Map.of(), m -> { });
    }

    /** As {@link #open(Path, LoadOptions, int, int)}, telling {@code loaded} about the model first (e.g. to print its memory). */
    public static ServedModel open(Path file, LoadOptions options, int contextSize, int slots,
                                   java.util.function.Consumer<Model> loaded) throws IOException {
        return open(file, options, contextSize, slots, null, java.util.Map.of(), loaded);
    }

    /**
     * @param templateSource a chat template to use instead of the file's ({@code --chat-template-file}), or null
     * @param templateVariables variables every rendering gets ({@code --chat-template-kwargs}); a request's
     *                          {@code chat_template_kwargs} override them
     */
    public static ServedModel open(Path file, LoadOptions options, int contextSize, int slots, String templateSource,
                                   java.util.Map<String, Object> templateVariables) throws IOException {
        return open(file, options, contextSize, slots, templateSource, templateVariables, m -> { });
    }

    /** All of the above. */
    public static ServedModel open(Path file, LoadOptions options, int contextSize, int slots, String templateSource,
                                   java.util.Map<String, Object> templateVariables,
                                   java.util.function.Consumer<Model> loaded) throws IOException {
        if (slots < 1) {
            throw new IllegalArgumentException("-np must be at least 1, got " + slots);
        }
        Model model = Kiln.load(file, options.withContextSize(contextSize));
        try {
            loaded.accept(model);
            int total = model.contextSize();
            int perSlot = total / slots;
            if (perSlot < 8) {
                throw new IllegalArgumentException("-c " + total + " over -np " + slots + " leaves " + perSlot
                        + " positions per slot; raise -c or lower -np");
            }
            TokenizerCodec codec = new TokenizerCodec(Tokenizers.from(model.metadata()));
            ChatTemplate template = templateSource != null ? ChatTemplate.of(templateSource)
                    : ChatTemplate.forModel(model.metadata());
            TemplateChat chat = new TemplateChat(template, codec.bosText(), codec.eosText(), null, templateVariables);
            KvCache cache = model.newCache(slots, perSlot);
            EngineStepModel step = new EngineStepModel(model.forward(), cache);
            String name = file.getFileName().toString();
            return new ServedModel(name, step, codec, chat, () -> {
                step.close();
                model.close();
            });
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }
}
