package dev.kiln.server.chat;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopMatcherTest {

    @Test
    void stopStringsAcrossPiecesAreCutAndPartialMatchesReleased() {
        StopMatcher m = new StopMatcher(List.of("\nUser:", "###"));
        StringBuilder out = new StringBuilder();
        for (String piece : List.of("Hello", " there", "\n", "Us", "ual", " day.", "\nUs", "er:", " more")) {
            out.append(m.push(piece));
        }
        assertTrue(m.stopped());
        assertEquals("Hello there\nUsual day.", out.toString());
        StopMatcher none = new StopMatcher(List.of("#"));
        assertEquals("", none.push("a#b").substring(1));
        StopMatcher held = new StopMatcher(List.of("END"));
        assertEquals("x", held.push("xEN"));
        assertEquals("EN", held.flush());
    }
}
