// Attention over the on-device F16 KV cache, for decode (one token) and prefill (many), split over the context
// (flash-decoding) so a long context is spread over many thread blocks instead of serialized in one.
//
//   attn_partial  grid (heads, nsplit, tokens): split s of query token t covers cells
//                 [s * splitLen, min((s + 1) * splitLen, kvLen[t])) of the row's sequence, which starts at cache
//                 row kvStart[t], and keeps an online softmax over them
//                 -> partM, partL [tokens][heads][nsplit], partO [tokens][heads][nsplit][headDim] (unnormalized)
//   attn_combine  grid (heads, tokens): rescales the splits by exp(m_s - max m) and normalizes -> out
//
// The causal length is read from kvLen[t] in device memory, and nsplit/splitLen are fixed by the context size, so the
// same launches serve every decode step of a captured graph. Shapes: q f32 [tokens][heads][headDim];
// kCache, vCache F16 [cells][kvHeads][headDim]; out f32 [tokens][heads][headDim]. Grouped-query attention maps head h
// to kv head h / (heads / kvHeads). scores = scale * temperature(pos[t]) * q.k, optionally soft-capped:
// cap * tanh(score / cap); temperature(p) = 1 + tempScale * ln(1 + floor(p / tempLength)) when tempScale != 0
// (the llama-4 / mistral3 attention temperature).
#include "common.cuh"

#define ATTN_THREADS 128
#define ATTN_TILE 64
#define MAX_HEAD_DIM 256

extern "C" __global__ void attn_partial(const float* __restrict__ q, const __half* __restrict__ kCache, const __half* __restrict__ vCache,
                                        const int* __restrict__ pos, const int* __restrict__ kvStart, const int* __restrict__ kvLen,
                                        int heads, int kvHeads, int headDim, float scale, float softcap, float tempScale,
                                        int tempLength, int splitLen, float* __restrict__ partM, float* __restrict__ partL, float* __restrict__ partO) {
    __shared__ float qs[MAX_HEAD_DIM];
    __shared__ float p[ATTN_TILE];
    __shared__ float scratch[32];
    const int h = blockIdx.x, s = blockIdx.y, t = blockIdx.z, nsplit = gridDim.y;
    const int kvh = h / (heads / kvHeads), kvDim = kvHeads * headDim;
    const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, nwarps = ATTN_THREADS / WARP;
    const int len = kvLen[t], start = s * splitLen, end = min(start + splitLen, len);
    const long long base = kvStart[t];
    if (tempScale != 0.0f) scale *= 1.0f + tempScale * logf(1.0f + floorf((float)pos[t] / (float)tempLength));
    const long long part = ((long long)t * heads + h) * nsplit + s;

    for (int i = threadIdx.x; i < headDim; i += ATTN_THREADS) qs[i] = q[((long long)t * heads + h) * headDim + i];
    float m = -INFINITY, l = 0.0f;
    float acc[MAX_HEAD_DIM / ATTN_THREADS] = {};
    __syncthreads();

    for (int j0 = start; j0 < end; j0 += ATTN_TILE) {
        const int n = min(ATTN_TILE, end - j0);
        // scores of this tile: one warp per cache row, lanes over half2 pairs of the head
        for (int j = warp; j < n; j += nwarps) {
            const __half2* kr = reinterpret_cast<const __half2*>(kCache + (base + j0 + j) * kvDim + kvh * headDim);
            float dot = 0.0f;
            for (int d2 = lane; d2 < headDim / 2; d2 += WARP) {
                const float2 kv = __half22float2(kr[d2]);
                dot += qs[2 * d2] * kv.x + qs[2 * d2 + 1] * kv.y;
            }
            dot = warp_sum(dot) * scale;
            if (softcap > 0.0f) dot = softcap * tanhf(dot / softcap);
            if (lane == 0) p[j] = dot;
        }
        __syncthreads();
        // online softmax update
        float tmax = -INFINITY;
        for (int j = threadIdx.x; j < n; j += ATTN_THREADS) tmax = fmaxf(tmax, p[j]);
        tmax = block_max(tmax, scratch);
        const float mNew = fmaxf(m, tmax), correction = expf(m - mNew);
        __syncthreads();
        float tsum = 0.0f;
        for (int j = threadIdx.x; j < n; j += ATTN_THREADS) {
            const float e = expf(p[j] - mNew);
            p[j] = e;
            tsum += e;
        }
        tsum = block_sum(tsum, scratch);
        l = l * correction + tsum;
        m = mNew;
        __syncthreads();
        // weighted values: thread per head dimension, rows read contiguously across threads
#pragma unroll
        for (int a = 0; a < MAX_HEAD_DIM / ATTN_THREADS; ++a) {
            const int d = threadIdx.x + a * ATTN_THREADS;
            if (d >= headDim) break;
            float v = acc[a] * correction;
            for (int j = 0; j < n; ++j) v += p[j] * __half2float(vCache[(base + j0 + j) * kvDim + kvh * headDim + d]);
            acc[a] = v;
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) { partM[part] = m; partL[part] = l; }
#pragma unroll
    for (int a = 0; a < MAX_HEAD_DIM / ATTN_THREADS; ++a) {
        const int d = threadIdx.x + a * ATTN_THREADS;
        if (d < headDim) partO[part * headDim + d] = acc[a];
    }
}

extern "C" __global__ void attn_combine(const float* __restrict__ partM, const float* __restrict__ partL, const float* __restrict__ partO,
                                        float* __restrict__ out, int heads, int headDim, int nsplit) {
    const int h = blockIdx.x, t = blockIdx.y;
    const long long base = ((long long)t * heads + h) * nsplit;
    float mMax = -INFINITY;
    for (int s = 0; s < nsplit; ++s) mMax = fmaxf(mMax, partM[base + s]);
    float lSum = 0.0f;
    for (int s = 0; s < nsplit; ++s) if (partL[base + s] > 0.0f) lSum += partL[base + s] * expf(partM[base + s] - mMax);
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float o = 0.0f;
        for (int s = 0; s < nsplit; ++s) if (partL[base + s] > 0.0f) o += partO[(base + s) * headDim + d] * expf(partM[base + s] - mMax);
        out[((long long)t * heads + h) * headDim + d] = o / lSum;
    }
}
