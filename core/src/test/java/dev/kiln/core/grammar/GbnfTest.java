package dev.kiln.core.grammar;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.*;

/** llama.cpp's sample grammars parse and accept what they should; bad grammars are refused with line and column. */
class GbnfTest {

    private static Grammar sample(String name) throws IOException {
        return Grammar.gbnf(Files.readString(TestData.require("gbnf/" + name)));
    }

    @Test
    void jsonGrammarAcceptsObjectsAndRejectsOthers() throws IOException {
        Grammar g = sample("json.gbnf");
        assertTrue(g.matches("{\"a\": [1, 2.5e3, \"x\\n\", true, null, {}]}"));
        assertTrue(g.matches("{}"));
        assertTrue(g.matches("{\"k\": \"\\u00e9\"}"));
        assertFalse(g.matches("[1]"));
        assertFalse(g.matches("{\"a\" 1}"));
        assertFalse(g.matches("{\"a\": 01}"));
        assertFalse(g.matches("{\"a\": 1"));
        assertFalse(g.matches("{\"a\": \"tab\there\"}"));
    }

    @Test
    void jsonArrayGrammar() throws IOException {
        Grammar g = sample("json_arr.gbnf");
        assertTrue(g.matches("[\n{\"a\": 1},\n\"x\"]"));
        assertFalse(g.matches("{\"a\": 1}"));
    }

    @Test
    void arithmeticListsChessEnglishJapaneseAndC() throws IOException {
        Grammar arithmetic = sample("arithmetic.gbnf");
        assertTrue(arithmetic.matches("x +(y *2) = 10\n"));
        assertFalse(arithmetic.matches("x + = 10\n"));
        Grammar list = sample("list.gbnf");
        assertTrue(list.matches("- milk\n- eggs\n"));
        assertFalse(list.matches("milk\n"));
        Grammar chess = sample("chess.gbnf");
        assertTrue(chess.matches("1. e4 e5\n2. Nf3 Nc6\n"));
        assertFalse(chess.matches("1. e9 e5\n2. Nf3 Nc6\n"));
        assertTrue(sample("english.gbnf").matches("Hello, world!"));
        assertFalse(sample("english.gbnf").matches("Grüße"));
        assertTrue(sample("japanese.gbnf").matches("こんにちは"));
        assertFalse(sample("japanese.gbnf").matches("hello"));
        Grammar c = sample("c.gbnf");
        assertTrue(c.matches("int main(){return 0;}"));
        assertFalse(c.matches("int main(){return 0}"));
    }

    @Test
    void repetitionCountsAndClasses() {
        Grammar g = Grammar.gbnf("root ::= [a-c]{2,3} \"-\" [^x]? \".\"");
        assertTrue(g.matches("ab-."));
        assertTrue(g.matches("abc-é."));
        assertFalse(g.matches("a-."));
        assertFalse(g.matches("abcd-."));
        assertFalse(g.matches("ab-x."));
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.gbnf("root ::= \"a\"\nitem ::= [a-z"));
        assertTrue(e.getMessage().contains("line 2, column 10"), e.getMessage());
        e = assertThrows(GrammarException.class, () -> Grammar.gbnf("root ::= item\n"));
        assertTrue(e.getMessage().contains("item") && e.getMessage().contains("line 1"), e.getMessage());
        e = assertThrows(GrammarException.class, () -> Grammar.gbnf("item ::= \"a\""));
        assertTrue(e.getMessage().contains("root"), e.getMessage());
    }

    @Test
    void grammarsThatCanNeverEndOrRecurseOnTheLeftAreRefused() {
        GrammarException never = assertThrows(GrammarException.class, () -> Grammar.gbnf("root ::= \"a\" root"));
        assertTrue(never.getMessage().contains("never end"), never.getMessage());
        GrammarException left = assertThrows(GrammarException.class,
                () -> Grammar.gbnf("root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\""));
        assertTrue(left.getMessage().contains("left recursion"), left.getMessage());
        // right recursion is fine
        assertTrue(Grammar.gbnf("root ::= \"1\" (\"+\" root)?").matches("1+1+1"));
    }
}
