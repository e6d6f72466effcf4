package dev.kiln.core.synth;

/** The tokenizer family of a model, as GGUF's {@code tokenizer.ggml.model} / {@code tokenizer.ggml.pre} name it. */
public enum VocabKind {
    /** SentencePiece (LLaMA-2, TinyLlama, Mistral v0.x): {@code <unk>} 0, {@code <s>} 1, {@code </s>} 2, bytes next. */
    LLAMA_SPM("llama", "default", true),
    /** Mistral "tekken" byte-level BPE (Mistral Small 3, Devstral): control tokens first, then bytes. */
    TEKKEN("gpt2", "tekken", true),
    /** Qwen2/Qwen3 byte-level BPE: ordinary tokens first, the special tokens at the end; no BOS added. */
    QWEN2("gpt2", "qwen2", false);

    private final String model;
    private final String pre;
    private final boolean addBos;

    VocabKind(String model, String pre, boolean addBos) {
        this.model = model;
        this.pre = pre;
        this.addBos = addBos;
    }

    /** {@code tokenizer.ggml.model}. */
    public String model() {
        return model;
    }

    /** {@code tokenizer.ggml.pre}. */
    public String pre() {
        return pre;
    }

    /** {@code tokenizer.ggml.add_bos_token}. */
    public boolean addBos() {
        return addBos;
    }
}
