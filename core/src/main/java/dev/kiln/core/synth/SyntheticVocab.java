package dev.kiln.core.synth;

import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.MetadataValue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Tokenizer metadata ({@code tokenizer.ggml.*}) for a synthetic model: either generated with the real
 * vocabulary's type, size, special tokens and layout, or copied from a vocabulary GGUF file.
 *
 * <p>Generated vocabularies are loadable by llama.cpp but mean nothing: SentencePiece ones have {@code <unk>},
 * {@code <s>}, {@code </s>}, the 256 byte tokens, {@code ▁} and the printable ASCII characters, then random word
 * pieces with decreasing scores; byte-level BPE
 * ones have the 256 byte symbols (GPT-2's byte-to-unicode mapping) and pieces built by merges of existing
 * tokens, so every merge names two tokens of the vocabulary; tekken puts 1000 control tokens first, qwen2 puts
 * its special tokens last ({@code <|endoftext|>} = BOS = padding, {@code <|im_end|>} = EOS).
 */
public final class SyntheticVocab {

    // llama.cpp's llama_token_type
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int UNUSED = 5;
    private static final int BYTE = 6;

    /** Qwen3's named special tokens, in id order after the ordinary tokens (Qwen3 tokenizer_config.json). */
    private static final List<String> QWEN_SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>",
            "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>",
            "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>",
            "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
            "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>", "<think>",
            "</think>");
    /** Qwen3's vocabulary: 151,643 ordinary tokens, then the specials and padding up to 151,936. */
    private static final int QWEN_TAIL = 151936 - 151643;
    private static final int TEKKEN_CONTROLS = 1000;

    private SyntheticVocab() {
    }

    /** Generated tokenizer metadata of {@code kind} with {@code size} tokens. */
    public static Metadata generate(VocabKind kind, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Metadata.Builder b = Metadata.builder();
        b.putString("tokenizer.ggml.model", kind.model());
        b.putString("tokenizer.ggml.pre", kind.pre());
        List<String> tokens = new ArrayList<>(size);
        List<Integer> types = new ArrayList<>(size);
        switch (kind) {
            case LLAMA_SPM -> {
                require(size, 259 + 95 + 1, kind);
                add(tokens, types, "<unk>", UNKNOWN);
                add(tokens, types, "<s>", CONTROL);
                add(tokens, types, "</s>", CONTROL);
                for (int i = 0; i < 256; i++) {
                    add(tokens, types, String.format("<0x%02X>", i), BYTE);
                }
                Set<String> seen = new HashSet<>(tokens);
                // the space marker and the printable ASCII characters, as single pieces (as in the real vocabulary),
                // so that text needs the byte fallback only for other characters
                for (int c = 0; c < 95 && tokens.size() < size; c++) {
                    String piece = c == 0 ? "\u2581" : String.valueOf((char) ('!' + c - 1));
                    seen.add(piece);
                    add(tokens, types, piece, NORMAL);
                }
                while (tokens.size() < size) {
                    String piece = (random.nextInt(3) > 0 ? "\u2581" : "") + word(random);
                    if (seen.add(piece)) {
                        add(tokens, types, piece, NORMAL);
                    }
                }
                float[] scores = new float[size];
                for (int i = 259; i < size; i++) {
                    scores[i] = -(i - 259);
                }
                b.putStrings("tokenizer.ggml.tokens", tokens);
                b.putFloats("tokenizer.ggml.scores", scores);
                b.putInts("tokenizer.ggml.token_type", toInts(types));
                b.putUint32("tokenizer.ggml.bos_token_id", 1);
                b.putUint32("tokenizer.ggml.eos_token_id", 2);
                b.putUint32("tokenizer.ggml.unknown_token_id", 0);
            }
            case TEKKEN -> {
                require(size, TEKKEN_CONTROLS + 256 + 1, kind);
                List<String> controls = List.of("<unk>", "<s>", "</s>", "[INST]", "[/INST]");
                for (int i = 0; i < TEKKEN_CONTROLS; i++) {
                    add(tokens, types, i < controls.size() ? controls.get(i) : "<SPECIAL_" + i + ">", CONTROL);
                }
                List<String> merges = byteLevelPieces(tokens, types, size, random);
                b.putBool("tokenizer.ggml.add_space_prefix", false);
                b.putStrings("tokenizer.ggml.tokens", tokens);
                b.putInts("tokenizer.ggml.token_type", toInts(types));
                b.putStrings("tokenizer.ggml.merges", merges);
                b.putUint32("tokenizer.ggml.bos_token_id", 1);
                b.putUint32("tokenizer.ggml.eos_token_id", 2);
                b.putUint32("tokenizer.ggml.unknown_token_id", 0);
            }
            case QWEN2 -> {
                require(size, QWEN_TAIL + 256 + 1, kind);
                int ordinary = size - QWEN_TAIL;
                List<String> merges = byteLevelPieces(tokens, types, ordinary, random);
                for (int i = 0; tokens.size() < size; i++) {
                    if (i < QWEN_SPECIALS.size()) {
                        String s = QWEN_SPECIALS.get(i);
                        add(tokens, types, s, s.startsWith("<|") ? CONTROL : USER_DEFINED);
                    } else {
                        add(tokens, types, "[PAD" + tokens.size() + "]", UNUSED);
                    }
                }
                b.putStrings("tokenizer.ggml.tokens", tokens);
                b.putInts("tokenizer.ggml.token_type", toInts(types));
                b.putStrings("tokenizer.ggml.merges", merges);
                b.putUint32("tokenizer.ggml.eos_token_id", ordinary + 2);
                b.putUint32("tokenizer.ggml.padding_token_id", ordinary);
                b.putUint32("tokenizer.ggml.bos_token_id", ordinary);
            }
        }
        b.putBool("tokenizer.ggml.add_bos_token", kind.addBos());
        if (kind != VocabKind.QWEN2) {
            b.putBool("tokenizer.ggml.add_eos_token", false);
        }
        return b.build();
    }

    /**
     * The {@code tokenizer.*} keys of a vocabulary (or model) file's metadata, in their order.
     *
     * @throws IllegalArgumentException when it has no {@code tokenizer.ggml.tokens}
     */
    public static Metadata copyFrom(Metadata source) {
        if (!source.contains("tokenizer.ggml.tokens")) {
            throw new IllegalArgumentException("the vocabulary file has no tokenizer.ggml.tokens");
        }
        Metadata.Builder b = Metadata.builder();
        for (String key : source.keys()) {
            if (key.startsWith("tokenizer.")) {
                b.put(key, source.get(key));
            }
        }
        return b.build();
    }

    /** Number of tokens in tokenizer metadata. */
    public static int size(Metadata tokenizer) {
        MetadataValue.ArrayValue tokens = tokenizer.getArray("tokenizer.ggml.tokens");
        return tokens.size();
    }

    /** Appends the 256 byte symbols, then merged pieces up to {@code size} tokens; returns the merges. */
    private static List<String> byteLevelPieces(List<String> tokens, List<Integer> types, int size,
                                                SplittableRandom random) {
        int first = tokens.size();
        for (int i = 0; i < 256; i++) {
            add(tokens, types, byteSymbol(i), NORMAL);
        }
        String space = byteSymbol(' ');
        Set<String> seen = new HashSet<>(tokens.subList(first, tokens.size()));
        List<String> merges = new ArrayList<>(size - tokens.size());
        while (tokens.size() < size) {
            int have = tokens.size() - first;
            String left = have > 256 && random.nextInt(4) > 0
                    ? tokens.get(first + 256 + random.nextInt(have - 256))
                    : (random.nextInt(3) == 0 ? space : byteSymbol('a' + random.nextInt(26)));
            String right = byteSymbol('a' + random.nextInt(26));
            String piece = left + right;
            if (piece.length() <= 16 && seen.add(piece)) {
                add(tokens, types, piece, NORMAL);
                merges.add(left + " " + right);
            }
        }
        return merges;
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to U+0100 and up, in order. */
    static String byteSymbol(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
            return String.valueOf((char) b);
        }
        int n = 0;
        for (int i = 0; i < b; i++) {
            if (!((i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF))) {
                n++;
            }
        }
        return String.valueOf((char) (256 + n));
    }

    private static String word(SplittableRandom random) {
        int len = 1 + random.nextInt(8);
        StringBuilder s = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    private static void add(List<String> tokens, List<Integer> types, String token, int type) {
        tokens.add(token);
        types.add(type);
    }

    private static int[] toInts(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void require(int size, int minimum, VocabKind kind) {
        if (size < minimum) {
            throw new IllegalArgumentException("a generated " + kind + " vocabulary needs at least " + minimum
                    + " tokens, got vocab_size " + size);
        }
    }
}
