package dev.kiln.core.tokenizer;

import dev.kiln.core.tokenizer.Vocabulary.SpecialIds;
import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.MetadataValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code tokenizer.ggml.*} into a {@link Vocabulary} the way llama.cpp's {@code llama_vocab::impl::load} does:
 * token list, scores, types, special ids with the model's defaults (an id of 4294967295, uint32 -1, means "none"),
 * {@code add_bos_token}/{@code add_eos_token}/{@code add_space_prefix}, the text-based detection of EOT/EOM/FIM tokens,
 * the end-of-generation set and the per-model attribute fixes (Phi-3 right-strips around special tokens).
 */
final class VocabularyReader {
    private static final Logger LOG = LoggerFactory.getLogger(VocabularyReader.class);

    static final String TOKENS = "tokenizer.ggml.tokens";
    private static final String PREFIX = "tokenizer.ggml.";

    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
            "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]",
            "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");

    /** What the tokenizer model and pre-tokenizer imply before the file's own keys are read. */
    record Defaults(SpecialIds ids, boolean addBos, boolean addEos, boolean addSpacePrefix) {}

    private VocabularyReader() {}

    static Vocabulary read(Metadata metadata, String model, String preTokenizer, Defaults defaults) {
        if (!metadata.contains(TOKENS)) {
            throw new TokenizerException("no vocabulary: metadata key '" + TOKENS + "' is missing");
        }
        List<String> list = metadata.getStrings(TOKENS);
        int n = list.size();
        if (n == 0) {
            throw new TokenizerException("no vocabulary: '" + TOKENS + "' is empty");
        }
        float[] scores = new float[n];
        if (metadata.contains(PREFIX + "scores")) {
            float[] s = metadata.getFloats(PREFIX + "scores");
            if (s.length < n) {
                throw new TokenizerException("'" + PREFIX + "scores' has " + s.length + " entries for " + n + " tokens");
            }
            System.arraycopy(s, 0, scores, 0, n);
        }
        TokenType[] types = new TokenType[n];
        java.util.Arrays.fill(types, TokenType.NORMAL);
        if (metadata.contains(PREFIX + "token_type")) {
            int[] t = metadata.getInts(PREFIX + "token_type");
            if (t.length < n) {
                throw new TokenizerException("'" + PREFIX + "token_type' has " + t.length + " entries for " + n + " tokens");
            }
            for (int i = 0; i < n; i++) {
                types[i] = TokenType.ofId(t[i]);
            }
        }

        String[] tokens = new String[n];
        Map<String, Integer> ids = new HashMap<>(n * 2);
        int[] attributes = new int[n];
        for (int i = 0; i < n; i++) {
            String word = list.get(i);
            if (word.isEmpty()) {
                LOG.warn("empty token at index {}", i);
                word = "[EMPTY_" + i + "]";
            }
            tokens[i] = word;
            Integer previous = ids.putIfAbsent(word, i);
            if (previous != null) {
                LOG.warn("duplicate token in vocabulary: '{}' has ids {} and {}; keeping {}", word, previous, i, previous);
            }
            attributes[i] = switch (types[i]) {
                case UNKNOWN -> Vocabulary.ATTR_UNKNOWN;
                case UNUSED -> Vocabulary.ATTR_UNUSED;
                case NORMAL -> Vocabulary.ATTR_NORMAL;
                case CONTROL -> Vocabulary.ATTR_CONTROL;
                case USER_DEFINED -> Vocabulary.ATTR_USER_DEFINED;
                case BYTE -> Vocabulary.ATTR_BYTE;
                case UNDEFINED -> 0;
            };
        }

        SpecialIds d = defaults.ids();
        int bos = specialId(metadata, "bos_token_id", d.bos(), n);
        int eos = specialId(metadata, "eos_token_id", d.eos(), n);
        int eot = specialId(metadata, "eot_token_id", d.eot(), n);
        int eom = specialId(metadata, "eom_token_id", d.eom(), n);
        int unk = specialId(metadata, "unknown_token_id", d.unk(), n);
        int sep = specialId(metadata, "seperator_token_id", d.sep(), n);
        int pad = specialId(metadata, "padding_token_id", d.pad(), n);
        int mask = specialId(metadata, "mask_token_id", d.mask(), n);
        int fimPre = specialId(metadata, "fim_pre_token_id", d.fimPre(), n);
        int fimSuf = specialId(metadata, "fim_suf_token_id", d.fimSuf(), n);
        int fimMid = specialId(metadata, "fim_mid_token_id", d.fimMid(), n);
        int fimPad = specialId(metadata, "fim_pad_token_id", d.fimPad(), n);
        int fimRep = specialId(metadata, "fim_rep_token_id", d.fimRep(), n);
        int fimSep = specialId(metadata, "fim_sep_token_id", d.fimSep(), n);
        fimPre = specialId(metadata, "prefix_token_id", fimPre, n);
        fimSuf = specialId(metadata, "suffix_token_id", fimSuf, n);
        fimMid = specialId(metadata, "middle_token_id", fimMid, n);

        boolean addBos = metadata.findBoolean(PREFIX + "add_bos_token").orElse(defaults.addBos());
        boolean addEos = metadata.findBoolean(PREFIX + "add_eos_token").orElse(defaults.addEos());
        boolean addSpacePrefix = metadata.findBoolean(PREFIX + "add_space_prefix").orElse(defaults.addSpacePrefix());
        if (addBos && bos == Vocabulary.NONE) {
            LOG.warn("add_bos_token is set but the vocabulary has no BOS token; not adding BOS");
            addBos = false;
        }
        if (addEos && eos == Vocabulary.NONE) {
            LOG.warn("add_eos_token is set but the vocabulary has no EOS token; not adding EOS");
            addEos = false;
        }

        // Text-based detection (llama.cpp: "auto-detect special tokens by text"). llama.cpp takes the first match in
        // hash order; we take the first text of each list that is present, so "<|eot_id|>" wins over "<|end_of_text|>".
        if (eot == Vocabulary.NONE) {
            eot = firstPresent(EOT_TEXTS, ids, attributes, tokens);
        }
        if (eom == Vocabulary.NONE) {
            eom = firstPresent(List.of("<|eom_id|>"), ids, attributes, tokens);
        }
        if (fimPre == Vocabulary.NONE) {
            fimPre = firstPresent(FIM_PRE_TEXTS, ids, attributes, tokens);
        }
        if (fimSuf == Vocabulary.NONE) {
            fimSuf = firstPresent(FIM_SUF_TEXTS, ids, attributes, tokens);
        }
        if (fimMid == Vocabulary.NONE) {
            fimMid = firstPresent(FIM_MID_TEXTS, ids, attributes, tokens);
        }
        if (fimPad == Vocabulary.NONE) {
            fimPad = firstPresent(FIM_PAD_TEXTS, ids, attributes, tokens);
        }
        if (fimRep == Vocabulary.NONE) {
            fimRep = firstPresent(FIM_REP_TEXTS, ids, attributes, tokens);
        }
        if (fimSep == Vocabulary.NONE) {
            fimSep = firstPresent(FIM_SEP_TEXTS, ids, attributes, tokens);
        }
        for (int i = 0; i < n; i++) {
            if ((attributes[i] & Vocabulary.ATTR_CONTROL) != 0 && tokens[i].contains("unused")) {
                attributes[i] |= Vocabulary.ATTR_UNUSED;
            }
        }

        BitSet eog = new BitSet(n);
        for (int id : new int[] {fimPad, fimRep, fimSep}) {
            if (id != Vocabulary.NONE) {
                eog.set(id);
            }
        }
        for (int i = 0; i < n; i++) {
            if (EOG_TEXTS.contains(tokens[i])) {
                eog.set(i);
                forceControl(attributes, tokens, i);
            }
        }
        // gpt-oss: these are always rendered.
        for (String t : new String[] {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
            Integer id = ids.get(t);
            if (id != null) {
                attributes[id] = Vocabulary.ATTR_USER_DEFINED;
            }
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id != Vocabulary.NONE) {
                eog.set(id);
            }
        }
        // o200k_harmony / solar-open: "<|end|>" is not an end of generation when "<|return|>"/"<|call|>" exist.
        if (hasEog(eog, ids, "<|end|>")
                && ((hasEog(eog, ids, "<|return|>") && (hasEog(eog, ids, "<|call|>") || hasEog(eog, ids, "<|calls|>")))
                || (hasEog(eog, ids, "<|flush|>") && (hasEog(eog, ids, "<|call|>") || hasEog(eog, ids, "<|calls|>"))))) {
            int end = ids.get("<|end|>");
            eog.clear(end);
            attributes[end] = Vocabulary.ATTR_USER_DEFINED;
        }
        // gemma4 / paddleocr: "</s>" is not an end of generation when "<|tool_response>" is one.
        if (hasEog(eog, ids, "<|tool_response>") && hasEog(eog, ids, "</s>")) {
            int s = ids.get("</s>");
            eog.clear(s);
            attributes[s] = Vocabulary.ATTR_NORMAL;
        }

        applyModelAttributes(metadata, tokens, ids, attributes, preTokenizer);

        SpecialIds special = new SpecialIds(bos, eos, eot, eom, unk, sep, pad, mask,
                fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep);
        return new Vocabulary(model, preTokenizer, tokens, scores, types, attributes, ids, special,
                addBos, addEos, addSpacePrefix, eog);
    }

    /**
     * A special id: {@code fallback} when the key is absent or says "none" (4294967295 or a negative value); a value
     * outside the vocabulary keeps {@code fallback}, with a warning, as llama.cpp does. A default that is itself out of
     * range is disabled.
     */
    private static int specialId(Metadata metadata, String name, int fallback, int n) {
        if (fallback >= n) {
            fallback = Vocabulary.NONE;
        }
        String key = PREFIX + name;
        if (!metadata.contains(key)) {
            return fallback;
        }
        MetadataValue value = metadata.get(key);
        if (!(value instanceof MetadataValue.IntValue i)) {
            LOG.warn("metadata key '{}' is not an integer ({}); ignoring it", key, value.display(3));
            return fallback;
        }
        long id = i.bits();
        if (id == 0xFFFF_FFFFL || id < 0) {
            return fallback; // "none": the same as an absent key (llama.cpp keeps its default), without a warning
        }
        if (id >= n) {
            LOG.warn("bad special token: '{}' = {} is outside the vocabulary of {} tokens; using {}", key, id, n, fallback);
            return fallback;
        }
        return (int) id;
    }

    /** The id of the first of {@code texts} in the vocabulary (now treated as a control token), or NONE. */
    private static int firstPresent(List<String> texts, Map<String, Integer> ids, int[] attributes, String[] tokens) {
        for (String t : texts) {
            Integer id = ids.get(t);
            if (id != null) {
                forceControl(attributes, tokens, id);
                return id;
            }
        }
        return Vocabulary.NONE;
    }

    private static boolean hasEog(BitSet eog, Map<String, Integer> ids, String text) {
        Integer id = ids.get(text);
        return id != null && eog.get(id);
    }

    private static void forceControl(int[] attributes, String[] tokens, int id) {
        if ((attributes[id] & Vocabulary.ATTR_CONTROL) == 0) {
            LOG.debug("control-looking token {} '{}' was not control-type; treating it as control", id, tokens[id]);
            attributes[id] |= Vocabulary.ATTR_CONTROL;
        }
    }

    /** llama.cpp's per-model attribute table ("set attributes by model/tokenizer/architecture name"). */
    private static void applyModelAttributes(Metadata metadata, String[] tokens, Map<String, Integer> ids,
                                             int[] attributes, String preTokenizer) {
        String name = metadata.findString("general.name").orElse("").toLowerCase(Locale.ROOT);
        String arch = metadata.findString("general.architecture").orElse("");
        if (containsAny(preTokenizer, "jina-v2-de", "jina-v2-es", "jina-v2-code")
                || containsAny(arch, "nomic-bert-moe", "jina-bert-v3")) {
            setAttribute(ids, attributes, "<mask>", Vocabulary.ATTR_LSTRIP, true);
        } else if (containsAny(name, "phi-3", "phi3")) {
            for (int i = 0; i < tokens.length; i++) {
                if ((attributes[i] & (Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_USER_DEFINED | Vocabulary.ATTR_UNKNOWN)) != 0) {
                    attributes[i] |= Vocabulary.ATTR_RSTRIP;
                }
            }
            setAttribute(ids, attributes, "</s>", Vocabulary.ATTR_RSTRIP, true);
            for (String t : new String[] {"<unk>", "<s>", "<|endoftext|>"}) {
                setAttribute(ids, attributes, t, Vocabulary.ATTR_RSTRIP, false);
            }
        } else if (containsAny(name, "modern-bert")) {
            setAttribute(ids, attributes, "[MASK]", Vocabulary.ATTR_LSTRIP, true);
        }
    }

    private static void setAttribute(Map<String, Integer> ids, int[] attributes, String token, int bit, boolean on) {
        Integer id = ids.get(token);
        if (id != null) {
            attributes[id] = on ? attributes[id] | bit : attributes[id] & ~bit;
        }
    }

    private static boolean containsAny(String s, String... parts) {
        for (String p : parts) {
            if (s.contains(p)) {
                return true;
            }
        }
        return false;
    }
}
