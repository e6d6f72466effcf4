/**
 * Structured output: grammars that constrain generation. GBNF (llama.cpp's format), JSON Schema and "any JSON
 * object" compile to one {@link dev.kiln.core.grammar.Grammar} (a deterministic automaton per rule, with calls);
 * a {@link dev.kiln.core.grammar.GrammarMatcher} per sequence gives the allowed tokens as a mask over the vocabulary
 * ({@link dev.kiln.core.grammar.TokenTrie}) and advances by the sampled token.
 */
package dev.kiln.core.grammar;
