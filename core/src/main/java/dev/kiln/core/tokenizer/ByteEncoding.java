package dev.kiln.core.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's reversible byte-to-character mapping used by byte-level BPE vocabularies ({@code bytes_to_unicode} in OpenAI's
 * encoder, {@code unicode_byte_to_utf8_map} in llama.cpp): printable Latin-1 bytes map to themselves, the other 68 bytes
 * to U+0100.. in byte order. A space is {@code Ġ} (U+0120), a newline {@code Ċ} (U+010A).
 */
final class ByteEncoding {
    /** [256] byte -> character. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** [0x144] character -> byte, -1 where the character is not a byte's spelling. */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteEncoding() {}

    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte spelled by code point {@code cp}, or -1. */
    static int byteOf(int cp) {
        return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
    }

    /** The spelling of {@code bytes[from, to)}. */
    static String encode(byte[] bytes, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }
}
