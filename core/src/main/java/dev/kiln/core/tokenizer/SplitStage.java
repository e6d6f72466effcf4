package dev.kiln.core.tokenizer;

/**
 * One step of a BPE pre-tokenizer: refines a split of the code points {@code cps} into pieces (given as lengths, in code
 * points, covering the whole text) into a finer split, as each regex of llama.cpp's {@code unicode_regex_split} does.
 */
interface SplitStage {
    IntList apply(int[] cps, IntList lengths);
}
