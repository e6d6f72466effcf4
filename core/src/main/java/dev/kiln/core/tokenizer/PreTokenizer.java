package dev.kiln.core.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The BPE pre-tokenizer named by {@code tokenizer.ggml.pre}: the regexes llama.cpp's {@code llm_tokenizer_bpe} applies one
 * after another (each splitting the pieces of the previous one), and the flags llama.cpp attaches to the name: merges
 * ignored for whole-token words ({@code ignore_merges}), BOS added by default, spaces cleaned when decoding. The GPT-2 and
 * Llama-3 regexes use llama.cpp's hand-written splitters, Qwen2 and tekken hand-written equivalents of the regex (checked
 * against it in the tests), the rest {@link RegexSplit}.
 */
final class PreTokenizer {
    private static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String LLAMA3_ORIGINAL = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN35 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String GPT4O = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
            + "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
            + "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String PORO = " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+";

    private static final List<String> DEFAULT = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
    private static final List<String> DEEPSEEK_LLM = List.of(
            "[\r\n]",
            "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+",
            "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
            "\\s+$",
            "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+",
            "\\p{N}+");
    private static final List<String> DEEPSEEK3 = List.of(
            "\\p{N}{1,3}",
            "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+");
    private static final List<String> DEEPSEEK_CODER = List.of(
            "[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+", "\\p{N}");
    private static final List<String> FALCON = List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
    private static final List<String> STARCODER = List.of("\\p{N}", GPT2);
    private static final List<String> CHAMELEON = List.of(
            "<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", "\\p{N}",
            "[\\p{P}!-/:-@\\[-`{-~]", GPT2);
    private static final List<String> BAILINGMOE = List.of(
            "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+");
    private static final List<String> SEED_CODER = List.of(
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}"
                    + "| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    /** What a {@code tokenizer.ggml.pre} name means. */
    record Config(List<String> regexes, boolean ignoreMerges, boolean addBos, boolean cleanSpaces, boolean noBos) {
        static Config of(List<String> regexes) {
            return new Config(regexes, false, false, true, false);
        }

        Config keepSpaces() {
            return new Config(regexes, ignoreMerges, addBos, false, noBos);
        }

        Config llama3Style() {
            return new Config(regexes, true, true, cleanSpaces, noBos);
        }

        Config withoutBos() {
            return new Config(regexes, ignoreMerges, addBos, cleanSpaces, true);
        }
    }

    private static final Map<String, Config> CONFIGS = buildConfigs();

    private static Map<String, Config> buildConfigs() {
        Map<String, Config> m = new java.util.HashMap<>();
        Config gpt2 = Config.of(List.of(GPT2));
        Config llama3 = Config.of(List.of(LLAMA3));
        Config qwen2 = Config.of(List.of(QWEN2));
        Config starcoder = Config.of(STARCODER);
        Config poro = Config.of(List.of(PORO));
        m.put("default", Config.of(DEFAULT));
        for (String name : List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0",
                "lfm2", "jina-v5-nano")) {
            m.put(name, llama3.llama3Style());
        }
        m.put("deepseek-llm", Config.of(DEEPSEEK_LLM).keepSpaces());
        m.put("deepseek-coder", Config.of(DEEPSEEK_CODER).keepSpaces());
        m.put("deepseek-v3", Config.of(DEEPSEEK3).keepSpaces());
        m.put("hunyuan-dense", Config.of(DEEPSEEK3).keepSpaces());
        m.put("falcon", Config.of(FALCON));
        for (String name : List.of("mpt", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                "a.x-4.0", "mellum", "modern-bert", "exaone4", "jina-v1-en", "jina-v2-code", "roberta-bpe", "olmo",
                "jais")) {
            m.put(name, gpt2);
        }
        m.put("trillion", gpt2.keepSpaces());
        m.put("granite-docling", gpt2.keepSpaces());
        for (String name : List.of("starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2")) {
            m.put(name, starcoder);
        }
        m.put("command-r", starcoder.keepSpaces());
        m.put("smollm", starcoder.keepSpaces());
        for (String name : List.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open")) {
            m.put(name, qwen2.keepSpaces());
        }
        m.put("megrez", qwen2);
        m.put("stablelm2", qwen2);
        m.put("qwen35", Config.of(List.of(QWEN35)).keepSpaces());
        m.put("dbrx", llama3);
        m.put("smaug-bpe", llama3);
        m.put("glm4", llama3.withoutBos());
        m.put("chatglm-bpe", llama3.withoutBos());
        m.put("poro-chat", poro.keepSpaces());
        m.put("bloom", poro);
        m.put("gpt3-finnish", poro);
        m.put("viking", Config.of(List.of(PORO, "\\p{N}")).keepSpaces());
        m.put("tekken", new Config(List.of(TEKKEN), true, true, false, false));
        m.put("chameleon", new Config(CHAMELEON, false, true, false, false));
        for (String name : List.of("gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2")) {
            m.put(name, Config.of(List.of(GPT4O)).keepSpaces());
        }
        for (String name : List.of("bailingmoe", "bailingmoe2", "llada-moe")) {
            m.put(name, Config.of(BAILINGMOE).keepSpaces());
        }
        m.put("seed-coder", Config.of(SEED_CODER).keepSpaces());
        m.put("grok-2", qwen2.keepSpaces());
        return Map.copyOf(m);
    }

    private final String name;
    private final Config config;
    private final List<SplitStage> stages;

    private PreTokenizer(String name, Config config) {
        this.name = name;
        this.config = config;
        List<SplitStage> s = new ArrayList<>();
        for (String regex : config.regexes()) {
            if (regex.equals(GPT2)) {
                s.add(new Gpt2Split());
            } else if (regex.equals(LLAMA3) || regex.equals(LLAMA3_ORIGINAL)) {
                s.add(new Llama3Split(3));
            } else if (regex.equals(QWEN2)) {
                s.add(new Llama3Split(1));
            } else if (regex.equals(TEKKEN)) {
                s.add(new TekkenSplit());
            } else {
                s.add(new RegexSplit(regex));
            }
        }
        this.stages = List.copyOf(s);
    }

    /** The pre-tokenizer called {@code name}; an unknown name is an error naming it. */
    static PreTokenizer forName(String name) {
        Config config = CONFIGS.get(name);
        if (config == null) {
            throw new TokenizerException("unknown pre-tokenizer '" + name + "' (tokenizer.ggml.pre); known: "
                    + new java.util.TreeSet<>(CONFIGS.keySet()));
        }
        return new PreTokenizer(name, config);
    }

    /** The regex strings the hand-written splitters stand for (for the tests that compare them with the regex engine). */
    static final String QWEN2_REGEX = QWEN2;
    static final String TEKKEN_REGEX = TEKKEN;
    static final String LLAMA3_REGEX = LLAMA3;
    static final String GPT2_REGEX = GPT2;

    /** Every supported {@code tokenizer.ggml.pre} name. */
    static java.util.Set<String> names() {
        return CONFIGS.keySet();
    }

    String name() {
        return name;
    }

    Config config() {
        return config;
    }

    /** The words of {@code cps}, as lengths in code points. */
    IntList split(int[] cps) {
        IntList lengths = new IntList();
        if (cps.length == 0) {
            return lengths;
        }
        lengths.add(cps.length);
        for (SplitStage stage : stages) {
            lengths = stage.apply(cps, lengths);
        }
        return lengths;
    }
}
