// Prompt processing (prefill) without cuBLAS: Y[t][r] = sum_k W[r][k] * X[t][k] for many tokens, W in its GGUF layout.
// Each 256-thread block computes a 64-row x 64-token tile of Y; per 32-wide k step it dequantizes the 64 x 32 weight
// tile into shared memory (each thread 8 weights) next to the 64 x 32 activation tile, then every thread accumulates a
// 4 x 4 sub-tile in registers. Shapes: W [rows][cols] (row stride cols / QK * BYTES), X f32 [tokens][cols],
// Y f32 [tokens][rows].
//
// mmw_* is the same product on tensor cores (WMMA m16n16k16, F16 operands, F32 accumulate; sm_70+): a 128-thread
// block computes 64 rows x 64 tokens, each warp a 32 x 32 quarter as 2 x 2 fragments, from F16 tiles dequantized
// into shared memory per 32-wide k step. Edge tiles are staged through shared memory so partial tiles are written
// with bounds checks. Activations enter F16 divided by their token's power-of-two scale (ops.cu f16_scales; null for
// none) and results leave multiplied by it, so rows beyond F16's 65504 stay finite.
//
// Also here: dequant_f16_* (W -> F16 [rows][cols], the on-the-fly conversion that feeds cublasGemmEx when cuBLAS is
// present) and embed_* (rows of a table by token id, e.g. the tied output/embedding matrix on the device).
#include "quant.cuh"
#include <mma.h>

// Unquantized weight rows expressed in the same shape as the block types, so one template serves all.
struct F16 {
    static constexpr int QK = 1, BYTES = 2;
    __device__ static float dq(const uint8_t* row, int k) { return f16_at(row + 2 * k); }
};
struct F32 {
    static constexpr int QK = 1, BYTES = 4;
    __device__ static float dq(const uint8_t* row, int k) { return reinterpret_cast<const float*>(row)[k]; }
};

#define BM 64
#define BN 64
#define BK 32

template <class T>
__device__ __forceinline__ void mm_body(const uint8_t* __restrict__ w, const float* __restrict__ x, float* __restrict__ y,
                                        int rows, int cols, int tokens) {
    __shared__ float ws[BK][BM + 1];  // [k][row] dequantized weight tile
    __shared__ float xs[BK][BN + 1];  // [k][token] activation tile
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int r0 = blockIdx.x * BM, t0 = blockIdx.y * BN;
    const int lr = tid / 4, lk = (tid % 4) * 8;
    const long long rowBytes = (long long)(cols / T::QK) * T::BYTES;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < cols; k0 += BK) {
        const int r = r0 + lr, t = t0 + lr;
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const int k = k0 + lk + i;
            ws[lk + i][lr] = (r < rows && k < cols) ? T::dq(w + r * rowBytes, k) : 0.0f;
            xs[lk + i][lr] = (t < tokens && k < cols) ? x[(long long)t * cols + k] : 0.0f;
        }
        __syncthreads();
#pragma unroll 8
        for (int kk = 0; kk < BK; ++kk) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) { a[i] = ws[kk][tx + 16 * i]; b[i] = xs[kk][ty + 16 * i]; }
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        const int t = t0 + ty + 16 * j;
        if (t >= tokens) continue;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int r = r0 + tx + 16 * i;
            if (r < rows) y[(long long)t * rows + r] = acc[i][j];
        }
    }
}

#define WK_PAD 40   // shared row stride in halves: 32 + 8 keeps 32-byte fragment alignment and staggers banks

template <class T>
__device__ __forceinline__ void mmw_body(const uint8_t* __restrict__ w, const float* __restrict__ x, const float* __restrict__ xscale,
                                         float* __restrict__ y, int rows, int cols, int tokens) {
    using namespace nvcuda;
    __shared__ __align__(32) __half ws[BM][WK_PAD];        // [row][k] dequantized weights
    __shared__ __align__(32) __half xs[BN][WK_PAD];        // [token][k] activations
    __shared__ __align__(32) float cs[4][32 * 32];         // per warp: its 32 x 32 result, column-major (token-major)
    const int tid = threadIdx.x, warp = tid / WARP, lane = tid % WARP;
    const int r0 = blockIdx.x * BM, t0 = blockIdx.y * BN;
    const int wr = (warp % 2) * 32, wt = (warp / 2) * 32;
    const int lr = tid / 2, lk = (tid % 2) * 16;
    const long long rowBytes = (long long)(cols / T::QK) * T::BYTES;
    const float xinv = (xscale != nullptr && t0 + lr < tokens) ? 1.0f / xscale[t0 + lr] : 1.0f;   // power of two: exact
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
    for (int k0 = 0; k0 < cols; k0 += BK) {
        const int r = r0 + lr, t = t0 + lr;
#pragma unroll 4
        for (int i = 0; i < 16; ++i) {
            const int k = k0 + lk + i;
            ws[lr][lk + i] = __float2half((r < rows && k < cols) ? T::dq(w + r * rowBytes, k) : 0.0f);
            xs[lr][lk + i] = __float2half((t < tokens && k < cols) ? x[(long long)t * cols + k] * xinv : 0.0f);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> b[2];
#pragma unroll
            for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a[i], &ws[wr + 16 * i][kk], WK_PAD);
#pragma unroll
            for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(b[j], &xs[wt + 16 * j][kk], WK_PAD);
#pragma unroll
            for (int i = 0; i < 2; ++i)
#pragma unroll
                for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::store_matrix_sync(&cs[warp][16 * j * 32 + 16 * i], acc[i][j], 32, wmma::mem_col_major);
    __syncwarp();
    for (int e = lane; e < 32 * 32; e += WARP) {
        const int rr = e % 32, tt = e / 32, r = r0 + wr + rr, t = t0 + wt + tt;
        if (r < rows && t < tokens) y[(long long)t * rows + r] = cs[warp][tt * 32 + rr] * (xscale != nullptr ? xscale[t] : 1.0f);
    }
}

// W -> F16 [rows][cols], grid-stride over elements.
template <class T>
__device__ __forceinline__ void dequant_f16_body(const uint8_t* __restrict__ w, __half* __restrict__ out, int rows, int cols) {
    const long long n = (long long)rows * cols, rowBytes = (long long)(cols / T::QK) * T::BYTES;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        const long long r = e / cols;
        out[e] = __float2half(T::dq(w + r * rowBytes, (int)(e - r * cols)));
    }
}

// out f32 [n][cols] = rows ids[0..n) of table W [vocab][cols]. Grid: (n, column blocks): rows in grid.x (no 65535 limit).
template <class T>
__device__ __forceinline__ void embed_body(const uint8_t* __restrict__ w, const int* __restrict__ ids, float* __restrict__ out, int cols) {
    const long long rowBytes = (long long)(cols / T::QK) * T::BYTES;
    const uint8_t* row = w + ids[blockIdx.x] * rowBytes;
    for (int k = blockIdx.y * blockDim.x + threadIdx.x; k < cols; k += gridDim.y * blockDim.x)
        out[(long long)blockIdx.x * cols + k] = T::dq(row, k);
}

#define MATMUL_KERNELS(T)                                                                                                 \
    extern "C" __global__ void mm_##T(const uint8_t* w, const float* x, float* y, int rows, int cols, int tokens) {       \
        mm_body<T>(w, x, y, rows, cols, tokens);                                                                          \
    }                                                                                                                     \
    extern "C" __global__ void mmw_##T(const uint8_t* w, const float* x, const float* xscale, float* y, int rows, int cols, \
                                       int tokens) {                                                                      \
        mmw_body<T>(w, x, xscale, y, rows, cols, tokens);                                                                 \
    }                                                                                                                     \
    extern "C" __global__ void dequant_f16_##T(const uint8_t* w, __half* out, int rows, int cols) {                       \
        dequant_f16_body<T>(w, out, rows, cols);                                                                          \
    }                                                                                                                     \
    extern "C" __global__ void embed_##T(const uint8_t* w, const int* ids, float* out, int cols) {                         \
        embed_body<T>(w, ids, out, cols);                                                                                 \
    }

MATMUL_KERNELS(F32)
MATMUL_KERNELS(F16)
MATMUL_KERNELS(Q4_0)
MATMUL_KERNELS(Q8_0)
MATMUL_KERNELS(Q2_K)
MATMUL_KERNELS(Q3_K)
MATMUL_KERNELS(Q4_K)
MATMUL_KERNELS(Q5_K)
MATMUL_KERNELS(Q6_K)
