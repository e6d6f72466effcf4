package dev.kiln.core.grammar;

import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Vocabulary;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;

/**
 * The vocabulary as a byte trie, for computing a grammar's allowed tokens in one walk: tokens sharing a prefix
 * share the work of matching it, and a prefix the grammar rejects skips its whole subtree. Stored flat in preorder
 * ({@code label}, {@code depth}, {@code skip} = index past the subtree), which walks without recursion.
 *
 * <p>Tokens with text (normal, byte and user-defined tokens, and any control token named in {@code specialTexts},
 * such as {@code [TOOL_CALLS]}) are in the trie under their bytes; the end-of-generation tokens are kept apart
 * (allowed exactly where the grammar may end); other control tokens are never allowed under a grammar.
 */
public final class TokenTrie {

    /**
     * The control tokens of the tool-call and reasoning formats Kiln knows (Mistral, Hermes/Qwen, Llama 3,
     * DeepSeek-R1): a grammar for a family's tool calls may write them.
     */
    public static final java.util.List<String> MARKERS = java.util.List.of("<think>", "</think>", "[THINK]",
            "[/THINK]", "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "<tool_call>", "</tool_call>", "<|python_tag|>",
            "<\uff5ctool\u2581calls\u2581begin\uff5c>", "<\uff5ctool\u2581calls\u2581end\uff5c>",
            "<\uff5ctool\u2581call\u2581begin\uff5c>", "<\uff5ctool\u2581call\u2581end\uff5c>",
            "<\uff5ctool\u2581sep\uff5c>");

    /**
     * Token masks of rule positions that do not depend on the grammar around them (see {@link TokenGrammar}),
     * shared by every grammar matched against this vocabulary; bounded, started afresh when full.
     */
    final java.util.concurrent.ConcurrentHashMap<Object, Object> sharedMasks = new java.util.concurrent.ConcurrentHashMap<>();

    private final int vocabularySize;
    final byte[] label;         // [nodes] the byte that leads to the node
    final int[] depth;          // [nodes] bytes above the node (0 for children of the root)
    final int[] skip;           // [nodes] index of the first node after the subtree
    final int[] firstToken;     // [nodes + 1] tokens ending at node i: tokens[firstToken[i] .. firstToken[i+1])
    final int[] tokens;         // token ids grouped by node
    final int maxDepth;
    private final int[] endOfGeneration;
    private final byte[][] bytes; // [vocabularySize] the bytes of each token in the trie, null otherwise

    private TokenTrie(int vocabularySize, byte[][] bytes, int[] endOfGeneration) {
        this.vocabularySize = vocabularySize;
        this.bytes = bytes;
        this.endOfGeneration = endOfGeneration.clone();
        Integer[] order = java.util.stream.IntStream.range(0, bytes.length)
                .filter(i -> bytes[i] != null && bytes[i].length > 0).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));
        int total = 0;
        for (int id : order) {
            total += bytes[id].length;
        }
        byte[] lab = new byte[total];
        int[] dep = new int[total];
        int[] skp = new int[total];
        int[] nodeOfToken = new int[order.length];
        int n = 0;
        int[] open = new int[1024];     // node index per depth on the current path
        byte[] previous = new byte[0];
        int deepest = 0;
        for (int k = 0; k < order.length; k++) {
            byte[] t = bytes[order[k]];
            int common = 0;
            while (common < previous.length && common < t.length && previous[common] == t[common]) {
                common++;
            }
            // close the nodes of the previous path below the common prefix
            for (int d = common; d < previous.length; d++) {
                skp[open[d]] = n;
            }
            if (t.length > open.length) {
                open = Arrays.copyOf(open, t.length * 2);
            }
            for (int d = common; d < t.length; d++) {
                lab[n] = t[d];
                dep[n] = d;
                open[d] = n;
                n++;
            }
            nodeOfToken[k] = open[t.length - 1];
            deepest = Math.max(deepest, t.length);
            previous = t;
        }
        for (int d = 0; d < previous.length; d++) {
            skp[open[d]] = n;
        }
        this.label = Arrays.copyOf(lab, n);
        this.depth = Arrays.copyOf(dep, n);
        this.skip = Arrays.copyOf(skp, n);
        this.maxDepth = deepest;
        this.firstToken = new int[n + 1];
        for (int k = 0; k < order.length; k++) {
            firstToken[nodeOfToken[k] + 1]++;
        }
        for (int i = 0; i < n; i++) {
            firstToken[i + 1] += firstToken[i];
        }
        this.tokens = new int[order.length];
        int[] fill = Arrays.copyOf(firstToken, n);
        for (int k = 0; k < order.length; k++) {
            tokens[fill[nodeOfToken[k]]++] = order[k];
        }
    }

    /**
     * The trie of a tokenizer's vocabulary. {@code specialTexts}: control tokens (by text) that a grammar may
     * produce, such as a family's tool-call marker.
     */
    public static TokenTrie of(Tokenizer tokenizer, Collection<String> specialTexts) {
        Vocabulary v = tokenizer.vocabulary();
        Set<String> allowed = Set.copyOf(specialTexts);
        byte[][] bytes = new byte[v.size()][];
        for (int id = 0; id < v.size(); id++) {
            if (v.isEndOfGeneration(id) || v.isUnused(id)) {
                continue;
            }
            if (v.isControl(id) || v.isUnknown(id)) {
                if (allowed.contains(v.token(id))) {
                    bytes[id] = tokenizer.piece(id, true);
                }
                continue;
            }
            bytes[id] = tokenizer.piece(id, false);
        }
        return new TokenTrie(v.size(), bytes, v.endOfGenerationIds());
    }

    /** A trie of explicit token bytes (null for tokens never allowed), for tests and synthetic vocabularies. */
    public static TokenTrie of(byte[][] tokenBytes, int[] endOfGeneration) {
        return new TokenTrie(tokenBytes.length, tokenBytes.clone(), endOfGeneration);
    }

    /** Number of token ids (masks have this many bits). */
    public int vocabularySize() {
        return vocabularySize;
    }

    /** Nodes in the trie. */
    public int nodes() {
        return label.length;
    }

    /** The bytes a token adds to the text under a grammar, or null when the grammar never allows it. */
    public byte[] bytes(int token) {
        return token >= 0 && token < bytes.length ? bytes[token] : null;
    }

    public boolean isEndOfGeneration(int token) {
        for (int e : endOfGeneration) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }

    int[] endOfGeneration() {
        return endOfGeneration;
    }
}
