package dev.kiln.core.chat;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One block of a message whose content is a list ({@code {"type": "text", "text": ...}},
 * {@code {"type": "image_url", ...}}, {@code {"type": "thinking", "thinking": ...}}): kept as the JSON object so
 * templates see every field.
 */
public record ContentPart(Map<String, Object> fields) {

    public ContentPart {
        fields = new LinkedHashMap<>(fields);
    }

    public static ContentPart text(String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "text");
        m.put("text", text);
        return new ContentPart(m);
    }

    public String type() {
        return fields.get("type") instanceof String s ? s : null;
    }

    /** The text of a text block, else null. */
    public String text() {
        return fields.get("text") instanceof String s ? s : null;
    }
}
