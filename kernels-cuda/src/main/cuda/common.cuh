// Shared device helpers for Kiln's CUDA kernels: unaligned-safe loads from GGUF blocks, fp16 reads,
// warp reductions and the 8-bit activation format the dp4a mat-vec kernels consume.
//
// GGUF stores weights as ggml blocks back to back. Several block sizes are not multiples of 4 (Q6_K 210 bytes,
// Q3_K 110, Q8_0 34, Q4_0 18), so a 32-bit field inside a block is only 2-byte aligned: those are read as two
// 16-bit loads (load_u32_a2). Types whose blocks are 4-byte multiples (Q4_K 144, Q5_K 176, Q2_K 84) read 32-bit words.
//
// Activation format "q8x" (the CUDA twin of ggml's block_q8_1 without the sum): for every 32 consecutive floats
// of x, one float scale d = max|x| / 127 and 32 int8 q = round-half-even(x / d). Stored as two arrays,
// int8 xq[n] and float xd[n / 32], so a lane reads 4 consecutive int8 as one aligned 32-bit word.
#pragma once
#include <cuda_fp16.h>
#include <stdint.h>

#define WARP 32

__device__ __forceinline__ float f16_at(const uint8_t* p) {          // p 2-byte aligned
    return __half2float(*reinterpret_cast<const __half*>(p));
}

__device__ __forceinline__ uint32_t load_u32_a2(const uint8_t* p) {  // p 2-byte aligned
    const uint16_t* h = reinterpret_cast<const uint16_t*>(p);
    return (uint32_t)h[0] | ((uint32_t)h[1] << 16);
}

__device__ __forceinline__ uint32_t load_u32_a4(const uint8_t* p) {  // p 4-byte aligned
    return *reinterpret_cast<const uint32_t*>(p);
}

__device__ __forceinline__ int dot4(uint32_t a, int b, int acc) {       // 4 x (u8 or s8-safe u8) * s8
    return __dp4a((int)a, b, acc);
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = WARP / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over a block of up to 1024 threads; scratch holds 32 floats. Every thread gets the result.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    const int lane = threadIdx.x % WARP, w = threadIdx.x / WARP, nw = (blockDim.x + WARP - 1) / WARP;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[w] = v;
    __syncthreads();
    v = lane < nw ? scratch[lane] : 0.0f;
    return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    const int lane = threadIdx.x % WARP, w = threadIdx.x / WARP, nw = (blockDim.x + WARP - 1) / WARP;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[w] = v;
    __syncthreads();
    v = lane < nw ? scratch[lane] : -INFINITY;
    return warp_max(v);
}

// Quantizes the 32 floats held one per lane into the q8x format: returns this lane's int8, writes the block scale.
// Rounding is round-half-even (__float2int_rn), which the Java reference reproduces with Math.rint.
__device__ __forceinline__ int8_t quantize_lane_q8x(float v, float* d_out) {
    const float amax = warp_max(fabsf(v));
    const float d = amax / 127.0f;
    const float id = d > 0.0f ? 1.0f / d : 0.0f;
    *d_out = d;
    return (int8_t)__float2int_rn(v * id);
}
