// Attention over the on-device F16 KV cache, for decode (a few query rows) and prefill (many), split over the context
// (flash-decoding) so a long context is spread over many thread blocks instead of serialized in one.
//
//   attn_partial  grid (tokens, nsplit, kvHeads * chunks): block (t, s, g) takes query token t, split s and up to
//                 GQA_MAX query heads of one KV head's group (chunks = ceil(group / GQA_MAX) blocks per group). Each
//                 K and V row of the split is read once for all those heads (grouped-query attention shares it), over
//                 cells [s * splitLen, min((s + 1) * splitLen, kvLen[t])) of the row's sequence, which starts at cache
//                 row kvStart[t], keeping one online softmax per head
//                 -> partM, partL [tokens][heads][nsplit], partO [tokens][heads][nsplit][headDim] (unnormalized)
//   attn_combine  grid (tokens * heads): rescales the splits by exp(m_s - max m) and normalizes -> out
//
// Query rows go in grid.x (no 65535 limit). The causal length is read from kvLen[t] in device memory, and
// nsplit/splitLen are fixed by the context size, so the same launches serve every decode step of a captured graph.
// Shapes: q f32 [tokens][heads][headDim]; kCache, vCache F16 [cells][kvHeads][headDim]; out f32
// [tokens][heads][headDim]. Head h reads kv head h / (heads / kvHeads). scores = scale * temperature(pos[t]) * q.k,
// optionally soft-capped: cap * tanh(score / cap); temperature(p) = 1 + tempScale * ln(1 + floor(p / tempLength))
// when tempScale != 0 (the llama-4 / mistral3 attention temperature). Per head, the arithmetic is the one of
// dev.kiln.cuda.reference.Attention.split: tiles of ATTN_TILE rows from the split's start, max, exp, sums, rescale.
#include "common.cuh"

#define ATTN_THREADS 128
#define ATTN_TILE 64
#define MAX_HEAD_DIM 256
#define GQA_MAX 8
#define DIMS_PER_THREAD (MAX_HEAD_DIM / ATTN_THREADS)

extern "C" __global__ void attn_partial(const float* __restrict__ q, const __half* __restrict__ kCache, const __half* __restrict__ vCache,
                                        const int* __restrict__ pos, const int* __restrict__ kvStart, const int* __restrict__ kvLen,
                                        int heads, int kvHeads, int headDim, float scale, float softcap, float tempScale,
                                        int tempLength, int splitLen, float* __restrict__ partM, float* __restrict__ partL, float* __restrict__ partO) {
    __shared__ float qs[GQA_MAX][MAX_HEAD_DIM];
    __shared__ float p[GQA_MAX][ATTN_TILE];
    __shared__ float ms[GQA_MAX], ls[GQA_MAX], corr[GQA_MAX];
    const int t = blockIdx.x, s = blockIdx.y, nsplit = gridDim.y;
    const int group = heads / kvHeads, chunks = (group + GQA_MAX - 1) / GQA_MAX;
    const int kvh = blockIdx.z / chunks, h0 = kvh * group + (blockIdx.z % chunks) * GQA_MAX;
    const int ng = min(GQA_MAX, kvh * group + group - h0);
    const int kvDim = kvHeads * headDim;
    const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, nwarps = ATTN_THREADS / WARP;
    const int len = kvLen[t], start = s * splitLen, end = min(start + splitLen, len);
    const long long base = kvStart[t];
    if (tempScale != 0.0f) scale *= 1.0f + tempScale * logf(1.0f + floorf((float)pos[t] / (float)tempLength));

    for (int i = threadIdx.x; i < ng * headDim; i += ATTN_THREADS) {
        const int g = i / headDim, d = i % headDim;
        qs[g][d] = q[((long long)t * heads + h0 + g) * headDim + d];
    }
    if (threadIdx.x < GQA_MAX) { ms[threadIdx.x] = -INFINITY; ls[threadIdx.x] = 0.0f; }
    float acc[GQA_MAX][DIMS_PER_THREAD];
#pragma unroll
    for (int g = 0; g < GQA_MAX; ++g)
#pragma unroll
        for (int a = 0; a < DIMS_PER_THREAD; ++a) acc[g][a] = 0.0f;
    __syncthreads();

    for (int j0 = start; j0 < end; j0 += ATTN_TILE) {
        const int n = min(ATTN_TILE, end - j0);
        // scores of this tile: one warp per cache row, lanes over half2 pairs; the K row is read once for ng heads
        for (int j = warp; j < n; j += nwarps) {
            const __half2* kr = reinterpret_cast<const __half2*>(kCache + (base + j0 + j) * kvDim + kvh * headDim);
            float dot[GQA_MAX];
#pragma unroll
            for (int g = 0; g < GQA_MAX; ++g) dot[g] = 0.0f;
            for (int d2 = lane; d2 < headDim / 2; d2 += WARP) {
                const float2 kv = __half22float2(kr[d2]);
#pragma unroll
                for (int g = 0; g < GQA_MAX; ++g) {
                    if (g >= ng) break;
                    dot[g] += qs[g][2 * d2] * kv.x + qs[g][2 * d2 + 1] * kv.y;
                }
            }
#pragma unroll
            for (int g = 0; g < GQA_MAX; ++g) {
                if (g >= ng) break;
                float v = warp_sum(dot[g]) * scale;
                if (softcap > 0.0f) v = softcap * tanhf(v / softcap);
                if (lane == 0) p[g][j] = v;
            }
        }
        __syncthreads();
        // online softmax update, one warp per head
        for (int g = warp; g < ng; g += nwarps) {
            float tmax = -INFINITY;
            for (int j = lane; j < n; j += WARP) tmax = fmaxf(tmax, p[g][j]);
            tmax = warp_max(tmax);
            const float mOld = ms[g], mNew = fmaxf(mOld, tmax), c = expf(mOld - mNew);
            float tsum = 0.0f;
            for (int j = lane; j < n; j += WARP) {
                const float e = expf(p[g][j] - mNew);
                p[g][j] = e;
                tsum += e;
            }
            tsum = warp_sum(tsum);
            __syncwarp();
            if (lane == 0) {
                ls[g] = ls[g] * c + tsum;
                ms[g] = mNew;
                corr[g] = c;
            }
        }
        __syncthreads();
        // weighted values: thread per head dimension, each V element read once for ng heads
#pragma unroll
        for (int a = 0; a < DIMS_PER_THREAD; ++a) {
            const int d = threadIdx.x + a * ATTN_THREADS;
            if (d < headDim) {
                float v[GQA_MAX];
#pragma unroll
                for (int g = 0; g < GQA_MAX; ++g) v[g] = acc[g][a] * (g < ng ? corr[g] : 0.0f);
                for (int j = 0; j < n; ++j) {
                    const float vv = __half2float(vCache[(base + j0 + j) * kvDim + kvh * headDim + d]);
#pragma unroll
                    for (int g = 0; g < GQA_MAX; ++g) {
                        if (g >= ng) break;
                        v[g] += p[g][j] * vv;
                    }
                }
#pragma unroll
                for (int g = 0; g < GQA_MAX; ++g) acc[g][a] = v[g];
            }
        }
        __syncthreads();
    }
    if (threadIdx.x < ng) {
        const long long part = ((long long)t * heads + h0 + threadIdx.x) * nsplit + s;
        partM[part] = ms[threadIdx.x];
        partL[part] = ls[threadIdx.x];
    }
#pragma unroll
    for (int g = 0; g < GQA_MAX; ++g) {
        if (g >= ng) break;
        const long long part = ((long long)t * heads + h0 + g) * nsplit + s;
#pragma unroll
        for (int a = 0; a < DIMS_PER_THREAD; ++a) {
            const int d = threadIdx.x + a * ATTN_THREADS;
            if (d < headDim) partO[part * headDim + d] = acc[g][a];
        }
    }
}

extern "C" __global__ void attn_combine(const float* __restrict__ partM, const float* __restrict__ partL, const float* __restrict__ partO,
                                        float* __restrict__ out, int heads, int headDim, int nsplit) {
    const long long th = blockIdx.x;   // t * heads + h
    const long long base = th * nsplit;
    float mMax = -INFINITY;
    for (int s = 0; s < nsplit; ++s) mMax = fmaxf(mMax, partM[base + s]);
    float lSum = 0.0f;
    for (int s = 0; s < nsplit; ++s) if (partL[base + s] > 0.0f) lSum += partL[base + s] * expf(partM[base + s] - mMax);
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float o = 0.0f;
        for (int s = 0; s < nsplit; ++s) if (partL[base + s] > 0.0f) o += partO[(base + s) * headDim + d] * expf(partM[base + s] - mMax);
        out[th * headDim + d] = o / lSum;
    }
}
