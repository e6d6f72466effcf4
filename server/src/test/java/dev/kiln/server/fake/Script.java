package dev.kiln.server.fake;

import java.nio.charset.StandardCharsets;

/**
 * What a scripted model says next, as a pure function of the tokens of its sequence (so that batching, slot
 * choice and prefix reuse cannot change the result, exactly the property a real model has).
 */
@FunctionalInterface
public interface Script {

    /** The token the model prefers after {@code history[0..length)}. */
    int next(int[] history, int length);

    /** After the last {@code <|assistant|>} token: says {@code reply}, then EOS. */
    static Script reply(String reply) {
        byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
        return (h, n) -> {
            int k = n - 1 - lastIndexOf(h, n, ByteCodec.ASSISTANT);
            return k < bytes.length ? bytes[k] & 0xff : ByteCodec.EOS;
        };
    }

    /** Lower-case letters and spaces determined by the last three tokens: never ends, differs per prompt. */
    static Script babble() {
        return (h, n) -> {
            int x = 17;
            for (int i = Math.max(0, n - 3); i < n; i++) {
                x = x * 31 + h[i];
            }
            int v = Math.floorMod(x * 0x9E3779B1, 27);
            return v == 26 ? ' ' : 'a' + v;
        };
    }

    /**
     * A reasoning model that never stops thinking on its own: after {@code <|assistant|>} it opens a think block
     * and says "hmm " forever; once a {@code </think>} appears (inserted by the reasoning budget) it answers
     * {@code answer} and ends.
     */
    static Script endlessThinker(String answer) {
        byte[] hmm = "hmm ".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        return (h, n) -> {
            int start = lastIndexOf(h, n, ByteCodec.ASSISTANT);
            int end = lastIndexOf(h, n, ByteCodec.END_THINK);
            if (end > start) {
                int k = n - 1 - end;
                // skip the whitespace the budget inserted after the tag
                int skip = 0;
                while (end + 1 + skip < n && (h[end + 1 + skip] == '\n')) {
                    skip++;
                }
                k -= skip;
                return k < bytes.length ? bytes[k] & 0xff : ByteCodec.EOS;
            }
            if (n - 1 == start) {
                return ByteCodec.THINK;
            }
            int think = lastIndexOf(h, n, ByteCodec.THINK);
            int k = n - 1 - think;
            return hmm[(k) % hmm.length] & 0xff;
        };
    }

    /**
     * Repeats the last line of the prompt before {@code <|assistant|>}, without its {@code "role: "} prefix, then EOS:
     * every prompt gets its own known answer.
     */
    static Script echo() {
        return (h, n) -> {
            int a = lastIndexOf(h, n, ByteCodec.ASSISTANT);
            int end = a - 1;                      // the '\n' FakeChat writes before the generation prompt
            int start = end;
            while (start > 0 && h[start - 1] != '\n' && h[start - 1] < 256) {
                start--;
            }
            while (start < end && h[start] != ' ') {
                start++;
            }
            start++;                              // after "role: "
            int k = n - 1 - a;
            return start + k < end ? h[start + k] : ByteCodec.EOS;
        };
    }

    /** {@code then} when the prompt's last line (before {@code <|assistant|>}) starts with {@code prefix}, else {@code otherwise}. */
    static Script whenLastLineStartsWith(String prefix, Script then, Script otherwise) {
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        return (h, n) -> {
            int a = lastIndexOf(h, n, ByteCodec.ASSISTANT);
            int start = a - 1;
            while (start > 0 && h[start - 1] != '\n' && h[start - 1] < 256) {      // a line starts after BOS too
                start--;
            }
            boolean match = start >= 0 && start + p.length <= a;
            for (int i = 0; match && i < p.length; i++) {
                match = h[start + i] == (p[i] & 0xff);
            }
            return match ? then.next(h, n) : otherwise.next(h, n);
        };
    }

    static int lastIndexOf(int[] h, int n, int token) {
        for (int i = n - 1; i >= 0; i--) {
            if (h[i] == token) {
                return i;
            }
        }
        return -1;
    }
}
