package dev.kiln.core.grammar;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Behaviours of the JSON Schema compiler that the real-world cases rely on, one by one. */
class JsonSchemaTest {

    private static Grammar schema(String s) {
        return Grammar.jsonSchema(s);
    }

    @Test
    void propertiesInAnyOrderEachAtMostOnceRequiredOnesPresent() {
        Grammar g = schema("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}, \"b\": {\"type\":"
                + " \"string\"}}, \"required\": [\"a\"], \"additionalProperties\": false}");
        assertTrue(g.matches("{\"a\":1,\"b\":\"x\"}"));
        assertTrue(g.matches("{\"b\":\"x\",\"a\":1}"));
        assertTrue(g.matches("{ \"a\": 1 }"));
        assertFalse(g.matches("{\"b\":\"x\"}"));
        assertFalse(g.matches("{\"a\":1,\"a\":2}"));
        assertFalse(g.matches("{\"a\":1,\"c\":2}"));
        assertFalse(g.matches("{\"a\":\"1\"}"));
    }

    @Test
    void additionalPropertiesDefaultToAnyValueAndPatternsTypeTheirKeys() {
        Grammar open = schema("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}");
        assertTrue(open.matches("{\"z\":[1,{\"q\":null}],\"a\":2}"));
        assertFalse(open.matches("{\"a\":\"no\"}"));
        Grammar patterns = schema("{\"type\": \"object\", \"patternProperties\": {\"^x-\": {\"type\": \"string\"}},"
                + " \"additionalProperties\": {\"type\": \"boolean\"}}");
        assertTrue(patterns.matches("{\"x-a\":\"s\",\"y\":true}"));
        assertFalse(patterns.matches("{\"x-a\":true}"));
        assertFalse(patterns.matches("{\"y\":\"s\"}"));
    }

    @Test
    void numericRangesAreExactIncludingDecimalsNegativesAndExclusiveBounds() {
        Grammar g = schema("{\"type\": \"number\", \"minimum\": -2.5, \"exclusiveMaximum\": 10}");
        for (String ok : new String[] {"-2.5", "-2.49", "0", "9.999", "-0.1", "3"}) {
            assertTrue(g.matches(ok), ok);
        }
        for (String bad : new String[] {"-2.51", "10", "10.0", "11", "-3", "007", "1e1"}) {
            assertFalse(g.matches(bad), bad);
        }
        Grammar ints = schema("{\"type\": \"integer\", \"minimum\": 18, \"maximum\": 120, \"multipleOf\": 2}");
        assertTrue(ints.matches("18"));
        assertTrue(ints.matches("120"));
        assertFalse(ints.matches("19"));
        assertFalse(ints.matches("122"));
        assertFalse(ints.matches("18.0"));
        Grammar draft4 = schema("{\"type\": \"integer\", \"minimum\": 0, \"exclusiveMinimum\": true}");
        assertFalse(draft4.matches("0"));
        assertTrue(draft4.matches("1"));
    }

    @Test
    void stringPatternsFormatsAndLengths() {
        Grammar pattern = schema("{\"type\": \"string\", \"pattern\": \"^[A-Z]{2}-\\\\d+$\", \"maxLength\": 5}");
        assertTrue(pattern.matches("\"AB-12\""));
        assertFalse(pattern.matches("\"AB-123\""));
        assertFalse(pattern.matches("\"ab-12\""));
        Grammar search = schema("{\"type\": \"string\", \"pattern\": \"cat|dog\"}");
        assertTrue(search.matches("\"hotdogs\""));
        assertFalse(search.matches("\"bird\""));
        Grammar date = schema("{\"type\": \"string\", \"format\": \"date\"}");
        assertTrue(date.matches("\"2024-02-29\""));
        assertFalse(date.matches("\"2023-02-29\""));
        assertFalse(date.matches("\"2023-04-31\""));
        Grammar dateTime = schema("{\"type\": \"string\", \"format\": \"date-time\"}");
        assertTrue(dateTime.matches("\"2024-01-15T10:20:30.5Z\""));
        assertFalse(dateTime.matches("\"2024-01-15 10:20\""));
        assertTrue(schema("{\"format\": \"uuid\"}").matches("\"123e4567-e89b-12d3-a456-426614174000\""));
        assertTrue(schema("{\"format\": \"email\"}").matches("\"a.b@example.com\""));
        assertFalse(schema("{\"type\": \"string\", \"format\": \"email\"}").matches("\"not an email\""));
        assertTrue(schema("{\"type\": \"string\", \"format\": \"uri\"}").matches("\"https://x.org/a?b=1\""));
        Grammar lengths = schema("{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 3}");
        assertTrue(lengths.matches("\"é\\n\""));
        assertFalse(lengths.matches("\"a\""));
        assertFalse(lengths.matches("\"abcd\""));
    }

    @Test
    void arraysEnumsConstsAndCombinators() {
        Grammar arrays = schema("{\"type\": \"array\", \"prefixItems\": [{\"type\": \"string\"}], \"items\":"
                + " {\"type\": \"integer\"}, \"minItems\": 2, \"maxItems\": 3}");
        assertTrue(arrays.matches("[\"a\",1]"));
        assertTrue(arrays.matches("[\"a\",1,2]"));
        assertFalse(arrays.matches("[\"a\"]"));
        assertFalse(arrays.matches("[1,1]"));
        assertFalse(arrays.matches("[\"a\",1,2,3]"));
        Grammar e = schema("{\"enum\": [\"red\", 1, null, {\"k\": [true]}]}");
        assertTrue(e.matches("{\"k\":[true]}"));
        assertFalse(e.matches("\"blue\""));
        Grammar any = schema("{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"integer\", \"minimum\": 5}]}");
        assertTrue(any.matches("5"));
        assertFalse(any.matches("4"));
        Grammar all = schema("{\"allOf\": [{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}},"
                + " \"required\": [\"a\"]}, {\"properties\": {\"b\": {\"type\": \"string\"}}, \"required\": [\"b\"]}]}");
        assertTrue(all.matches("{\"b\":\"x\",\"a\":1}"));
        assertFalse(all.matches("{\"a\":1}"));
        Grammar oneOf = schema("{\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"null\"}]}");
        assertTrue(oneOf.matches("null"));
    }

    @Test
    void refsAndRecursion() {
        Grammar tree = schema("{\"$defs\": {\"node\": {\"type\": \"object\", \"properties\": {\"v\": {\"type\":"
                + " \"integer\"}, \"kids\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/node\"}}},"
                + " \"required\": [\"v\"], \"additionalProperties\": false}}, \"$ref\": \"#/$defs/node\"}");
        assertTrue(tree.matches("{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[]},{\"v\":3}]}"));
        assertFalse(tree.matches("{\"v\":1,\"kids\":[{\"kids\":[]}]}"));
        GrammarException loop = assertThrows(GrammarException.class, () -> schema("{\"$ref\": \"#\"}"));
        assertTrue(loop.getMessage().contains("never end"), loop.getMessage());
        GrammarException left = assertThrows(GrammarException.class, () -> schema(
                "{\"$defs\": {\"a\": {\"anyOf\": [{\"$ref\": \"#/$defs/a\"}, {\"type\": \"null\"}]}}, \"$ref\": \"#/$defs/a\"}"));
        assertTrue(left.getMessage().contains("left recursion"), left.getMessage());
    }

    @Test
    void unenforceableKeywordsAreRefusedWithTheirPointer() {
        GrammarException not = assertThrows(GrammarException.class, () -> schema(
                "{\"type\": \"object\", \"properties\": {\"a\": {\"not\": {\"type\": \"string\"}}}}"));
        assertTrue(not.getMessage().contains("#/properties/a/not") && not.getMessage().contains("\"not\""),
                not.getMessage());
        GrammarException unique = assertThrows(GrammarException.class, () -> schema(
                "{\"type\": \"array\", \"uniqueItems\": true}"));
        assertTrue(unique.getMessage().contains("#/uniqueItems"), unique.getMessage());
        GrammarException oneOf = assertThrows(GrammarException.class, () -> schema(
                "{\"oneOf\": [{\"type\": \"number\"}, {\"type\": \"integer\"}]}"));
        assertTrue(oneOf.getMessage().contains("#/oneOf"), oneOf.getMessage());
        GrammarException pattern = assertThrows(GrammarException.class, () -> schema(
                "{\"type\": \"string\", \"pattern\": \"(?=a)b\"}"));
        assertTrue(pattern.getMessage().contains("#/pattern"), pattern.getMessage());
        GrammarException json = assertThrows(GrammarException.class, () -> schema("{\"type\": \n \"object\""));
        assertTrue(json.getMessage().contains("line 2"), json.getMessage());
        // keywords of other types do not matter
        assertTrue(schema("{\"type\": \"string\", \"uniqueItems\": true}").matches("\"x\""));
    }

    @Test
    void anyJsonObject() {
        Grammar g = Grammar.anyJsonObject();
        assertTrue(g.matches("{\"a\":[1,2,{\"b\":\"c\"}],\"d\":-1.5e3}"));
        assertFalse(g.matches("[1]"));
        assertFalse(g.matches("{\"a\":}"));
    }
}
