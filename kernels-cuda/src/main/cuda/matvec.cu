// Decode matrix x vector: y[t][r] = sum_k W[r][k] * x[t][k] for a few tokens t, W in its GGUF layout.
//
// Quantized types use 8-bit activations (the q8x format of common.cuh, made once per step by quantize_q8x or by a
// fused producer such as rmsnorm_q8x) and dp4a: one warp per row, ROWS_PER_BLOCK rows per block, the 32 lanes reading
// consecutive words of the row so each warp step is one contiguous read. F16 and F32 weights read float activations.
// Shapes: W [rows][cols] (row stride = cols / QK * BYTES), xq int8 [tokens][cols], xd f32 [tokens][cols / 32],
// y f32 [tokens][rows]. cols must be a multiple of QK (the loader checks this; ggml requires it too).
//
// Several tokens (the rows of a multi-slot decode step): mv_T_cN takes N columns per block (N = 2, 4, 8, 16) and reads
// each weight block once for all of them (quant.cuh lane_dots); grid (ceil(rows / ROWS_PER_BLOCK), ceil(tokens / N)),
// so up to N tokens stream the matrix once. mv_T is N = 1. Columns at or past `tokens` are skipped.
//
// Fused variants for the decode step: mv3_* computes up to three matrices that share x (Q, K and V) in one launch,
// writing [rows0 | rows1 | rows2] contiguously; mvglu_* computes gate and up and writes silu(gate) * up.
#include "quant.cuh"

#define ROWS_PER_BLOCK 4

// x f32 [tokens][n] -> xq int8 [tokens][n], xd f32 [tokens][n / 32]. One warp per 32-float block; n % 32 == 0.
extern "C" __global__ void quantize_q8x(const float* __restrict__ x, int8_t* __restrict__ xq, float* __restrict__ xd, int n, int tokens) {
    const long long blocks = (long long)n / 32 * tokens;
    const long long b = (long long)blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    if (b >= blocks) return;
    const int lane = threadIdx.x % WARP;
    float d;
    const int8_t q = quantize_lane_q8x(x[b * 32 + lane], &d);
    xq[b * 32 + lane] = q;
    if (lane == 0) xd[b] = d;
}

template <class T, int NC>
__device__ __forceinline__ void mv_body(const uint8_t* __restrict__ w, const int8_t* __restrict__ xq, const float* __restrict__ xd,
                                        float* __restrict__ y, int rows, int cols, int tokens) {
    const int r = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP;
    if (r >= rows) return;
    const int t0 = blockIdx.y * NC, lane = threadIdx.x % WARP, ntok = min(NC, tokens - t0);
    const long long rowBytes = (long long)(cols / T::QK) * T::BYTES;
    float acc[NC];
#pragma unroll
    for (int c = 0; c < NC; ++c) acc[c] = 0.0f;
    T::template lane_dots<NC>(w + r * rowBytes, cols, xq + (long long)t0 * cols, xd + (long long)t0 * (cols / 32), ntok, lane, acc);
#pragma unroll
    for (int c = 0; c < NC; ++c) {
        const float s = warp_sum(acc[c]);
        if (lane == 0 && c < ntok) y[(long long)(t0 + c) * rows + r] = s;
    }
}

template <class T>
__device__ __forceinline__ void mv3_body(const uint8_t* w0, const uint8_t* w1, const uint8_t* w2, int rows0, int rows1, int rows2,
                                         const int8_t* __restrict__ xq, const float* __restrict__ xd, float* __restrict__ y, int cols) {
    int r = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP;
    const int out = r;
    if (r >= rows0 + rows1 + rows2) return;
    const uint8_t* w = w0;
    if (r >= rows0 + rows1) { w = w2; r -= rows0 + rows1; }
    else if (r >= rows0) { w = w1; r -= rows0; }
    const int lane = threadIdx.x % WARP;
    const long long rowBytes = (long long)(cols / T::QK) * T::BYTES;
    const float s = warp_sum(T::lane_dot(w + r * rowBytes, cols, xq, xd, lane));
    if (lane == 0) y[out] = s;
}

template <class T>
__device__ __forceinline__ void mvglu_body(const uint8_t* __restrict__ gate, const uint8_t* __restrict__ up, const int8_t* __restrict__ xq,
                                           const float* __restrict__ xd, float* __restrict__ y, int rows, int cols) {
    const int r = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP;
    if (r >= rows) return;
    const int t = blockIdx.y, lane = threadIdx.x % WARP;
    const long long rowBytes = (long long)(cols / T::QK) * T::BYTES;
    const int8_t* xt = xq + (long long)t * cols;
    const float* dt = xd + (long long)t * (cols / 32);
    const float g = warp_sum(T::lane_dot(gate + r * rowBytes, cols, xt, dt, lane));
    const float u = warp_sum(T::lane_dot(up + r * rowBytes, cols, xt, dt, lane));
    if (lane == 0) y[(long long)t * rows + r] = g / (1.0f + expf(-g)) * u;
}

#define MV_COLUMNS(T, N)                                                                                                    \
    extern "C" __global__ void mv_##T##_c##N(const uint8_t* w, const int8_t* xq, const float* xd, float* y, int rows,        \
                                             int cols, int tokens) {                                                        \
        mv_body<T, N>(w, xq, xd, y, rows, cols, tokens);                                                                    \
    }

#define MATVEC_KERNELS(T)                                                                                                   \
    extern "C" __global__ void mv_##T(const uint8_t* w, const int8_t* xq, const float* xd, float* y, int rows, int cols,    \
                                      int tokens) {                                                                         \
        mv_body<T, 1>(w, xq, xd, y, rows, cols, tokens);                                                                    \
    }                                                                                                                       \
    MV_COLUMNS(T, 2)                                                                                                        \
    MV_COLUMNS(T, 4)                                                                                                        \
    MV_COLUMNS(T, 8)                                                                                                        \
    MV_COLUMNS(T, 16)                                                                                                       \
    extern "C" __global__ void mv3_##T(const uint8_t* w0, const uint8_t* w1, const uint8_t* w2, int rows0, int rows1,       \
                                       int rows2, const int8_t* xq, const float* xd, float* y, int cols) {                  \
        mv3_body<T>(w0, w1, w2, rows0, rows1, rows2, xq, xd, y, cols);                                                      \
    }                                                                                                                       \
    extern "C" __global__ void mvglu_##T(const uint8_t* gate, const uint8_t* up, const int8_t* xq, const float* xd,        \
                                         float* y, int rows, int cols) {                                                    \
        mvglu_body<T>(gate, up, xq, xd, y, rows, cols);                                                                     \
    }

MATVEC_KERNELS(Q4_0)
MATVEC_KERNELS(Q8_0)
MATVEC_KERNELS(Q2_K)
MATVEC_KERNELS(Q3_K)
MATVEC_KERNELS(Q4_K)
MATVEC_KERNELS(Q5_K)
MATVEC_KERNELS(Q6_K)

// F16 weights [rows][cols] (cols even), x f32 [tokens][cols]: one warp per row, half2 loads, NC columns per block.
template <int NC>
__device__ __forceinline__ void mv_f16_body(const __half* __restrict__ w, const float* __restrict__ x, float* __restrict__ y, int rows,
                                            int cols, int tokens) {
    const int r = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP;
    if (r >= rows) return;
    const int t0 = blockIdx.y * NC, lane = threadIdx.x % WARP, ntok = min(NC, tokens - t0);
    const __half2* wr = reinterpret_cast<const __half2*>(w + (long long)r * cols);
    float acc[NC];
#pragma unroll
    for (int c = 0; c < NC; ++c) acc[c] = 0.0f;
    for (int i = lane; i < cols / 2; i += WARP) {
        const float2 wv = __half22float2(wr[i]);
#pragma unroll
        for (int c = 0; c < NC; ++c) {
            if (c >= ntok) break;
            const float2 xv = reinterpret_cast<const float2*>(x + (long long)(t0 + c) * cols)[i];
            acc[c] += wv.x * xv.x + wv.y * xv.y;
        }
    }
#pragma unroll
    for (int c = 0; c < NC; ++c) {
        const float s = warp_sum(acc[c]);
        if (lane == 0 && c < ntok) y[(long long)(t0 + c) * rows + r] = s;
    }
}

// F32 weights [rows][cols], x f32 [tokens][cols], NC columns per block.
template <int NC>
__device__ __forceinline__ void mv_f32_body(const float* __restrict__ w, const float* __restrict__ x, float* __restrict__ y, int rows,
                                            int cols, int tokens) {
    const int r = blockIdx.x * ROWS_PER_BLOCK + threadIdx.x / WARP;
    if (r >= rows) return;
    const int t0 = blockIdx.y * NC, lane = threadIdx.x % WARP, ntok = min(NC, tokens - t0);
    const float* wr = w + (long long)r * cols;
    float acc[NC];
#pragma unroll
    for (int c = 0; c < NC; ++c) acc[c] = 0.0f;
    for (int i = lane; i < cols; i += WARP) {
        const float wv = wr[i];
#pragma unroll
        for (int c = 0; c < NC; ++c) {
            if (c >= ntok) break;
            acc[c] += wv * x[(long long)(t0 + c) * cols + i];
        }
    }
#pragma unroll
    for (int c = 0; c < NC; ++c) {
        const float s = warp_sum(acc[c]);
        if (lane == 0 && c < ntok) y[(long long)(t0 + c) * rows + r] = s;
    }
}

#define MV_FLOAT(T, W, BODY, N, NAME)                                                                                       \
    extern "C" __global__ void NAME(const W* w, const float* x, float* y, int rows, int cols, int tokens) {                  \
        BODY<N>(w, x, y, rows, cols, tokens);                                                                               \
    }

MV_FLOAT(F16, __half, mv_f16_body, 1, mv_F16)
MV_FLOAT(F16, __half, mv_f16_body, 2, mv_F16_c2)
MV_FLOAT(F16, __half, mv_f16_body, 4, mv_F16_c4)
MV_FLOAT(F16, __half, mv_f16_body, 8, mv_F16_c8)
MV_FLOAT(F16, __half, mv_f16_body, 16, mv_F16_c16)
MV_FLOAT(F32, float, mv_f32_body, 1, mv_F32)
MV_FLOAT(F32, float, mv_f32_body, 2, mv_F32_c2)
MV_FLOAT(F32, float, mv_f32_body, 4, mv_F32_c4)
MV_FLOAT(F32, float, mv_f32_body, 8, mv_F32_c8)
MV_FLOAT(F32, float, mv_f32_body, 16, mv_F32_c16)
