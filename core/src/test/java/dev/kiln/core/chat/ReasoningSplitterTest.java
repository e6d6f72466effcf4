package dev.kiln.core.chat;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReasoningSplitterTest {

    /** Feeds {@code text} one character at a time and returns {reasoning, content}. */
    private static String[] stream(ReasoningSplitter s, String text) {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        text.codePoints().forEach(cp -> {
            ReasoningSplitter.Split split = s.push(Character.toString(cp));
            reasoning.append(split.reasoning());
            content.append(split.content());
        });
        ReasoningSplitter.Split end = s.flush();
        return new String[] {reasoning.append(end.reasoning()).toString(), content.append(end.content()).toString()};
    }

    @Test
    void thinkBlocksOfBothFamiliesGoToReasoningAlsoWhenSplitAcrossTokens() {
        for (ThinkTags tags : List.of(ThinkTags.XML, ThinkTags.MISTRAL)) {
            String text = tags.open() + "\nLet me think: 2 + 2.\n" + tags.close() + "\n\nIt is 4.";
            String[] whole = {"", ""};
            ReasoningSplitter once = new ReasoningSplitter(tags, false);
            ReasoningSplitter.Split a = once.push(text);
            ReasoningSplitter.Split b = once.flush();
            whole[0] = a.reasoning() + b.reasoning();
            whole[1] = a.content() + b.content();
            String[] streamed = stream(new ReasoningSplitter(tags, false), text);
            assertEquals("Let me think: 2 + 2.", whole[0], tags.open());
            assertEquals("It is 4.", whole[1]);
            assertEquals(whole[0], streamed[0]);
            assertEquals(whole[1], streamed[1]);
        }
    }

    @Test
    void aPromptThatOpenedTheBlockAndTextWithoutTags() {
        String[] r = stream(new ReasoningSplitter(ThinkTags.XML, true), "hmm, so\n</think>\nYes.");
        assertEquals("hmm, so", r[0]);
        assertEquals("Yes.", r[1]);
        String[] plain = stream(new ReasoningSplitter(ThinkTags.XML, false), "  <thin> is not a tag.");
        assertEquals("", plain[0]);
        assertEquals("  <thin> is not a tag.", plain[1]);
        ReasoningSplitter unclosed = new ReasoningSplitter(ThinkTags.MISTRAL, false);
        String said = unclosed.push("[THINK]still going [/").reasoning();
        assertTrue(unclosed.thinking());
        assertEquals("still going", said);
        assertEquals("[/", unclosed.flush().reasoning().strip(), "an unclosed block's held text stays reasoning");
        assertFalse(new ReasoningSplitter(ThinkTags.XML, false).thinking());
    }

    @Test
    void thinkTagsAreRecognizedFromTheTemplate() {
        assertEquals(ThinkTags.MISTRAL, ThinkTags.detect("{{ '[THINK]' }}").orElseThrow());
        assertEquals(ThinkTags.XML, ThinkTags.detect("{% if x %}<think>\\n{% endif %}").orElseThrow());
        assertTrue(ThinkTags.detect("{{ messages }}").isEmpty());
        assertTrue(ThinkTags.XML.promptOpensThinking("<|Assistant|><think>\n"));
        assertFalse(ThinkTags.XML.promptOpensThinking("<|Assistant|>"));
    }
}
