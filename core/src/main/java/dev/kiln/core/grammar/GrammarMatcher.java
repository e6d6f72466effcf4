package dev.kiln.core.grammar;

import java.util.Arrays;

/**
 * Matches one sequence's generated tokens against a grammar: {@link #fillMask} says which tokens may come next,
 * {@link #accept} advances by the sampled token. Not thread-safe: one per sequence (the {@link TokenGrammar} behind
 * it is shared).
 */
public final class GrammarMatcher {

    private final TokenGrammar grammar;
    private MatchState state;

    GrammarMatcher(TokenGrammar grammar) {
        this.grammar = grammar;
        this.state = grammar.grammar().initial();
    }

    public TokenGrammar grammar() {
        return grammar;
    }

    /** The current state. */
    public MatchState state() {
        return state;
    }

    /** True when the text so far is a complete sentence (the end-of-generation token is allowed). */
    public boolean canEnd() {
        return state.canEnd;
    }

    /** True when the text is complete and nothing may follow it. */
    public boolean isComplete() {
        return state.isComplete();
    }

    /** Back to the start of the grammar. */
    public void reset() {
        state = grammar.grammar().initial();
    }

    /** True when {@code token} is allowed now (without advancing). */
    public boolean allows(int token) {
        return !after(token).isDead();
    }

    /**
     * Advances by {@code token}; returns false (and stays) when the grammar does not allow it. An end-of-generation
     * token is accepted where the grammar may end.
     */
    public boolean accept(int token) {
        MatchState next = after(token);
        if (next.isDead()) {
            return false;
        }
        state = next;
        return true;
    }

    private MatchState after(int token) {
        TokenTrie trie = grammar.trie();
        if (trie.isEndOfGeneration(token)) {
            return state.canEnd ? state : grammar.grammar().dead;
        }
        byte[] bytes = trie.bytes(token);
        if (bytes == null) {
            return grammar.grammar().dead;
        }
        return grammar.grammar().next(state, bytes);
    }

    /** Advances by text (its UTF-8 bytes); false, staying, when the grammar rejects it. */
    public boolean acceptText(String text) {
        MatchState next = grammar.grammar().next(state, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (next.isDead()) {
            return false;
        }
        state = next;
        return true;
    }

    /** Writes the allowed tokens into {@code mask} ({@link TokenGrammar#maskWords()} longs, bit t = token t). */
    public void fillMask(long[] mask) {
        long[] m = grammar.mask(state);
        System.arraycopy(m, 0, mask, 0, m.length);
        Arrays.fill(mask, m.length, mask.length, 0L);
    }

    /** The allowed tokens (a shared array: do not modify). */
    public long[] mask() {
        return grammar.mask(state);
    }

    /** The tokens that lead to the end by a shortest way (see {@link TokenGrammar#closingMask}). */
    public long[] closingMask() {
        return grammar.closingMask(state);
    }

    /** The allowed tokens after which the text can be completed in {@code limit} more bytes. */
    public long[] maskWithin(int limit) {
        return grammar.maskWithin(state, limit);
    }

    /** Fewest bytes still needed to complete the text. */
    public int distanceToEnd() {
        return grammar.grammar().distanceToEnd(state);
    }
}
