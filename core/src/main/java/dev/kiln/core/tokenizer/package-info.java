/**
 * Tokenizers built from GGUF metadata ({@code tokenizer.ggml.*}), matching llama.cpp's {@code llama-vocab.cpp} id for id:
 * SentencePiece ({@code tokenizer.ggml.model = llama}) and byte-level BPE ({@code gpt2}) with the pre-tokenizer chosen by
 * {@code tokenizer.ggml.pre}. Entry point: {@link dev.kiln.core.tokenizer.Tokenizers#from(dev.kiln.gguf.Metadata)}.
 * Decoding is byte-exact; {@link dev.kiln.core.tokenizer.TokenDecoder} streams text without splitting UTF-8 characters.
 */
package dev.kiln.core.tokenizer;
