package dev.kiln.core.tokenizer;

/** Incremental UTF-8 decoding for {@link TokenDecoder}: decodes whole characters and stops before an incomplete tail. */
final class Utf8 {
    private Utf8() {}

    /**
     * Appends the characters of {@code bytes} to {@code out} and returns how many bytes were consumed: everything except
     * a trailing sequence that is a valid but incomplete prefix of a character. An invalid sequence (its maximal valid
     * prefix) becomes one U+FFFD.
     */
    static int decodeComplete(byte[] bytes, StringBuilder out) {
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                out.append((char) b);
                i++;
                continue;
            }
            int need;
            int cp;
            if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
                cp = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need = 2;
                cp = b & 0x0F;
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3;
                cp = b & 0x07;
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int k = 1;
            boolean bad = false;
            while (k <= need) {
                if (i + k >= n) {
                    return i; // valid so far, incomplete: wait for more bytes
                }
                int c = bytes[i + k] & 0xFF;
                if (!continuationAllowed(b, k, c)) {
                    bad = true;
                    break;
                }
                cp = (cp << 6) | (c & 0x3F);
                k++;
            }
            if (bad) {
                out.append('\uFFFD');
                i += k;
                continue;
            }
            out.appendCodePoint(cp);
            i += need + 1;
        }
        return n;
    }

    /** Whether {@code c} may be byte {@code k} (1-based after the lead) of a sequence led by {@code lead}. */
    private static boolean continuationAllowed(int lead, int k, int c) {
        if (k == 1) {
            return switch (lead) {
                case 0xE0 -> c >= 0xA0 && c <= 0xBF;
                case 0xED -> c >= 0x80 && c <= 0x9F;
                case 0xF0 -> c >= 0x90 && c <= 0xBF;
                case 0xF4 -> c >= 0x80 && c <= 0x8F;
                default -> c >= 0x80 && c <= 0xBF;
            };
        }
        return c >= 0x80 && c <= 0xBF;
    }
}
