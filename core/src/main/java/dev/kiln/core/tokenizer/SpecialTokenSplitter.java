package dev.kiln.core.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts text into raw-text fragments and special tokens before tokenization (llama.cpp's {@code tokenizer_st_partition}):
 * special tokens are searched longest text first; control and unknown tokens only when parsing special, user-defined
 * tokens always. A token with the LSTRIP/RSTRIP attribute swallows the ASCII whitespace before/after it.
 */
final class SpecialTokenSplitter {
    /** A token ({@code token >= 0}) or the raw text {@code [start, end)} of the input. */
    record Fragment(int token, int start, int end) {
        boolean isText() {
            return token < 0;
        }
    }

    private final Vocabulary vocabulary;

    SpecialTokenSplitter(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(-1, 0, text.length()));
        for (int id : vocabulary.specialTokensByLength()) {
            int attributes = vocabulary.attributes(id);
            if (!parseSpecial && (attributes & (Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_UNKNOWN)) != 0) {
                continue;
            }
            String special = vocabulary.token(id);
            if (text.indexOf(special) < 0) {
                continue;
            }
            List<Fragment> next = new ArrayList<>(fragments.size() + 4);
            for (Fragment f : fragments) {
                if (f.isText()) {
                    splitFragment(text, f.start(), f.end(), id, special, attributes, next);
                } else {
                    next.add(f);
                }
            }
            fragments = next;
        }
        return fragments;
    }

    private static void splitFragment(String text, int start, int end, int id, String special, int attributes,
                                      List<Fragment> out) {
        while (true) {
            int match = text.indexOf(special, start);
            if (match < 0 || match + special.length() > end) {
                if (start < end) {
                    out.add(new Fragment(-1, start, end));
                }
                return;
            }
            int leftEnd = match;
            if ((attributes & Vocabulary.ATTR_LSTRIP) != 0) {
                while (leftEnd > start && isAsciiSpace(text.charAt(leftEnd - 1))) {
                    leftEnd--;
                }
            }
            if (leftEnd > start) {
                out.add(new Fragment(-1, start, leftEnd));
            }
            out.add(new Fragment(id, match, match + special.length()));
            start = match + special.length();
            if ((attributes & Vocabulary.ATTR_RSTRIP) != 0) {
                while (start < end && isAsciiSpace(text.charAt(start))) {
                    start++;
                }
            }
            if (start >= end) {
                return;
            }
        }
    }

    /** C's {@code isspace} in the "C" locale. */
    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
