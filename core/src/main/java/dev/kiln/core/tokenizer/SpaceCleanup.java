package dev.kiln.core.tokenizer;

/**
 * Hugging Face's {@code clean_up_tokenization_spaces} as llama.cpp applies it after detokenizing: removes the space before
 * {@code ? ! . ,}, around a lone apostrophe, and before the contractions {@code 's 'm 're 've}. Works in place on bytes.
 */
final class SpaceCleanup {
    private SpaceCleanup() {}

    /** Cleans {@code text} in place and returns the new length. */
    static int apply(byte[] text) {
        int total = text.length;

        // First pass: " ?", " !", " .", " ," lose the space.
        int total1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            text[total++] = x;
        }

        // Second pass: " ' " becomes "'".
        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }

        // Third pass: " 's", " 'm", " 're", " 've" lose the space.
        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            text[total++] = x;
        }
        return total;
    }
}
