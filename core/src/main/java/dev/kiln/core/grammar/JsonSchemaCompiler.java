package dev.kiln.core.grammar;

final class JsonSchemaCompiler {
    static Grammar compile(String s) { throw new UnsupportedOperationException(); }
    static Grammar compile(com.fasterxml.jackson.databind.JsonNode s) { throw new UnsupportedOperationException(); }
}
