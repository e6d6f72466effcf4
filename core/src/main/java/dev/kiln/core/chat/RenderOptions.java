package dev.kiln.core.chat;

import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything besides the messages that a chat template is rendered with.
 *
 * @param addGenerationPrompt end with the header of an assistant turn (what a model continues from)
 * @param bosToken            the text of the BOS token ({@code bos_token}), "" when none
 * @param eosToken            the text of the EOS token ({@code eos_token}), "" when none
 * @param tools               the OpenAI {@code tools} list as parsed JSON (list of maps), or null for no tools
 *                            (then {@code tools} is undefined in the template)
 * @param variables           extra template variables, e.g. {@code enable_thinking=false}; plain Java values
 * @param now                 the time {@code strftime_now} formats (fix it for reproducible prompts)
 */
public record RenderOptions(boolean addGenerationPrompt, String bosToken, String eosToken, List<Object> tools,
                            Map<String, Object> variables, LocalDateTime now) {

    public RenderOptions {
        bosToken = bosToken == null ? "" : bosToken;
        eosToken = eosToken == null ? "" : eosToken;
        variables = variables == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variables));
        now = now == null ? LocalDateTime.now() : now;
    }

    public static RenderOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().addGenerationPrompt(addGenerationPrompt).bosToken(bosToken).eosToken(eosToken)
                .tools(tools).now(now);
        b.variables.putAll(variables);
        return b;
    }

    public static final class Builder {
        private boolean addGenerationPrompt;
        private String bosToken = "";
        private String eosToken = "";
        private List<Object> tools;
        private final Map<String, Object> variables = new LinkedHashMap<>();
        private LocalDateTime now;

        public Builder addGenerationPrompt(boolean v) {
            this.addGenerationPrompt = v;
            return this;
        }

        public Builder bosToken(String v) {
            this.bosToken = v;
            return this;
        }

        public Builder eosToken(String v) {
            this.eosToken = v;
            return this;
        }

        /** The tools as parsed JSON values (a list of {@code {"type": "function", "function": {...}}} maps). */
        public Builder tools(List<Object> v) {
            this.tools = v;
            return this;
        }

        /** The tools as JSON text (an array); parsed with Jackson, key order kept. */
        @SuppressWarnings("unchecked")
        public Builder toolsJson(String json) {
            if (json == null) {
                this.tools = null;
                return this;
            }
            Object parsed = JsonValues.parse(json, "tools");
            if (!(parsed instanceof List<?>)) {
                throw new IllegalArgumentException("tools must be a JSON array");
            }
            this.tools = (List<Object>) parsed;
            return this;
        }

        /** An extra template variable (e.g. {@code enable_thinking}); plain Java values or parsed JSON. */
        public Builder variable(String name, Object value) {
            this.variables.put(name, value);
            return this;
        }

        public Builder now(LocalDateTime v) {
            this.now = v;
            return this;
        }

        public RenderOptions build() {
            return new RenderOptions(addGenerationPrompt, bosToken, eosToken, tools, variables, now);
        }
    }
}
