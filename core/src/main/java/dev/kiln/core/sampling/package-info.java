/**
 * Token sampling: turning one row of logits into the next token id.
 *
 * <p>{@link dev.kiln.core.sampling.SamplingParams} holds llama.cpp's sampling parameters with its defaults;
 * {@link dev.kiln.core.sampling.Samplers#of} builds a {@link dev.kiln.core.sampling.Sampler} running llama.cpp's
 * default chain (common/sampling.cpp, common/common.h): repetition penalties, top-k, top-p, min-p, temperature,
 * then a seeded draw. {@link dev.kiln.core.sampling.Logprobs} computes log-softmax values for an API's
 * {@code logprobs}/{@code top_logprobs}.
 */
package dev.kiln.core.sampling;
