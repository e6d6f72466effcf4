// Element-wise and per-row operations of a decoder block: RMSNorm (plain and fused with the q8x quantization of the
// next mat-vec's input), RoPE (normal and NEOX pairing from a per-pair frequency table, so YaRN and rope_freqs are
// covered), SwiGLU, residual add, bias, F32 -> F16 conversion (with the per-token scale that keeps prefill
// activations inside F16's range) and the KV-cache store. Positions and cache cells are
// read from device memory (int arrays per batch row) so a captured CUDA graph of the decode step stays valid from one
// token to the next.
#include "common.cuh"

// out [rows][n] = x [rows][n] * rsqrt(mean(x^2) + eps) * weight [n]. One block per row; out may alias x.
// Rows may be whole hidden states (rows = tokens) or heads (rows = tokens * heads, n = headDim, the QK norm).
extern "C" __global__ void rmsnorm(const float* x, const float* __restrict__ weight, float* out, int n, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (long long)blockIdx.x * n;
    float* orow = out + (long long)blockIdx.x * n;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, scratch);
    const float inv = rsqrtf(ss / (float)n + eps);
    for (int i = threadIdx.x; i < n; i += blockDim.x) orow[i] = xr[i] * inv * weight[i];
}

// RMSNorm whose result goes straight to the q8x format (xq int8 [rows][n], xd [rows][n / 32]) for the next dp4a
// mat-vec: the normalized vector is never written as floats. blockDim.x is a multiple of 32 and n % 32 == 0, so each
// warp's 32 consecutive elements are one q8x block.
extern "C" __global__ void rmsnorm_q8x(const float* __restrict__ x, const float* __restrict__ weight, int8_t* __restrict__ xq,
                                       float* __restrict__ xd, int n, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (long long)blockIdx.x * n;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, scratch);
    const float inv = rsqrtf(ss / (float)n + eps);
    for (int base = threadIdx.x - threadIdx.x % WARP; base < n; base += blockDim.x) {
        const int i = base + threadIdx.x % WARP;
        float d;
        const int8_t q = quantize_lane_q8x(xr[i] * inv * weight[i], &d);
        xq[(long long)blockIdx.x * n + i] = q;
        if (threadIdx.x % WARP == 0) xd[((long long)blockIdx.x * n + base) / 32] = d;
    }
}

// Rotates x [rows][heads][headDim] in place, row t at position pos[t]: pair p (0 .. nDims/2) turns by
// theta = pos * freqs[p] and is scaled by magnitude; (x[2p], x[2p+1]) when neox == 0, (x[p], x[p + nDims/2]) otherwise.
// Dims at or past nDims are untouched. The frequency table folds YaRN (ggml rope_yarn blends interpolated and
// extrapolated angles linearly in pos, so one frequency per pair carries it; core.spi.Rope builds the table).
// Grid: (rows, heads); threads over pairs.
extern "C" __global__ void rope(float* x, const int* __restrict__ pos, int heads, int headDim, int nDims, int neox,
                                const float* __restrict__ freqs, float magnitude) {
    float* xh = x + ((long long)blockIdx.x * heads + blockIdx.y) * headDim;
    const float p0 = (float)pos[blockIdx.x];
    for (int p = threadIdx.x; p < nDims / 2; p += blockDim.x) {
        float s, c;
        sincosf(p0 * freqs[p], &s, &c);
        c *= magnitude;
        s *= magnitude;
        const int i0 = neox ? p : 2 * p, i1 = neox ? p + nDims / 2 : 2 * p + 1;
        const float x0 = xh[i0], x1 = xh[i1];
        xh[i0] = x0 * c - x1 * s;
        xh[i1] = x0 * s + x1 * c;
    }
}

// gate [n] = silu(gate) * up, element-wise over n = tokens * feedForwardLength.
extern "C" __global__ void swiglu(float* gate, const float* __restrict__ up, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        const float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

// acc [n] += x [n] (the residual stream).
extern "C" __global__ void add(float* acc, const float* __restrict__ x, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        acc[i] += x[i];
}

// x [n] *= s (e.g. an attention temperature or a logit scale).
extern "C" __global__ void scale(float* x, float s, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        x[i] *= s;
}

// out F16 [n] = x F32 [n] (round to nearest even).
extern "C" __global__ void f32_to_f16(const float* __restrict__ x, __half* __restrict__ out, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = __float2half_rn(x[i]);
}

// F16 holds at most 65504: an activation row (ffn_down's input in a model with outliers) can exceed it, and converting
// it plainly gives inf, then NaN. Per token t, scales[t] = the smallest power of two s with max|x[t]| / s <= 65504
// (1 when the row fits, or is not finite); a prefill GEMM multiplies x[t] / s in F16 and the F32 result by s. Powers
// of two make both steps exact. Grid: (tokens), x f32 [tokens][n].
#define F16_MAX 65504.0f
extern "C" __global__ void f16_scales(const float* __restrict__ x, float* __restrict__ scales, int n) {
    __shared__ float scratch[32];
    const float* xr = x + (long long)blockIdx.x * n;
    float amax = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) amax = fmaxf(amax, fabsf(xr[i]));
    amax = block_max(amax, scratch);
    if (threadIdx.x == 0) {
        float s = 1.0f;
        if (amax > F16_MAX && amax <= 3.402823466e38f) {
            s = exp2f(ceilf(log2f(amax / F16_MAX)));
            while (amax / s > F16_MAX) s *= 2.0f;   // log2f rounding
        }
        scales[blockIdx.x] = s;
    }
}

// out F16 [tokens][n] = x [tokens][n] / scales[t] (round to nearest even). Grid-stride over elements.
extern "C" __global__ void f32_to_f16_scaled(const float* __restrict__ x, const float* __restrict__ scales, __half* __restrict__ out,
                                             int n, int tokens) {
    const long long total = (long long)n * tokens;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        out[i] = __float2half_rn(x[i] / scales[i / n]);
}

// y [tokens][rows] *= scales[t]: undoes f32_to_f16_scaled after the GEMM. Grid: (tokens); rows whose scale is 1 return.
extern "C" __global__ void scale_rows(float* y, const float* __restrict__ scales, int rows) {
    const float s = scales[blockIdx.x];
    if (s == 1.0f) return;
    float* yr = y + (long long)blockIdx.x * rows;
    for (int i = threadIdx.x; i < rows; i += blockDim.x) yr[i] *= s;
}

// x [rows][dim] += bias [dim] (QKV biases).
extern "C" __global__ void add_bias(float* x, const float* __restrict__ bias, int rows, int dim) {
    const long long n = (long long)rows * dim;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        x[i] += bias[i % dim];
}

// Stores each row's key and value in the F16 cache: cache row kvStart[t] + kvLen[t] - 1 <- k/v [t] (the row's cell in
// its sequence's slice of the cache). k f32 [rows][keyWidth], v f32 [rows][valueWidth]; kCache F16 [cells][keyWidth],
// vCache F16 [cells][valueWidth]. Grid: (rows, ceil(max(keyWidth, valueWidth) / blockDim)): rows in grid.x, which has
// no 65535 limit.
extern "C" __global__ void kv_store(const float* __restrict__ k, const float* __restrict__ v, __half* __restrict__ kCache,
                                    __half* __restrict__ vCache, const int* __restrict__ kvStart, const int* __restrict__ kvLen,
                                    int keyWidth, int valueWidth) {
    const int t = blockIdx.x, i = blockIdx.y * blockDim.x + threadIdx.x;
    const long long row = (long long)kvStart[t] + kvLen[t] - 1;
    if (i < keyWidth) kCache[row * keyWidth + i] = __float2half_rn(k[(long long)t * keyWidth + i]);
    if (i < valueWidth) vCache[row * valueWidth + i] = __float2half_rn(v[(long long)t * valueWidth + i]);
}
