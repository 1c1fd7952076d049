/*
 * distance_avx512.c — AVX-512F kernels: one 16-lane accumulator per sum (the same 16 lanes as
 * the scalar twin) and a masked load for the last partial block, so no scalar tail. Compiled
 * with a target attribute; handed out only when the CPU reports avx512f.
 */
#include "store/distance.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512_TARGET __attribute__((target("avx512f")))

AVX512_TARGET static __mmask16 avx512_tail_mask(size_t left) {
    return (__mmask16)((1u << left) - 1u);
}

AVX512_TARGET static float avx512_dot(const float *a, const float *b, size_t dim) {
    __m512 s = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16)
        s = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s);
    if (i < dim) {
        __mmask16 m = avx512_tail_mask(dim - i);
        s = _mm512_mask3_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i),
                                  s, m);
    }
    return _mm512_reduce_add_ps(s);
}

AVX512_TARGET static float avx512_l2sq(const float *a, const float *b, size_t dim) {
    __m512 s = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s = _mm512_fmadd_ps(d, d, s);
    }
    if (i < dim) {
        __mmask16 m = avx512_tail_mask(dim - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s = _mm512_fmadd_ps(d, d, s);
    }
    return _mm512_reduce_add_ps(s);
}

AVX512_TARGET static void avx512_dot_norm(const float *a, const float *b, size_t dim, float *ab,
                                          float *bb) {
    __m512 s = _mm512_setzero_ps(), t = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        __m512 bv = _mm512_loadu_ps(b + i);
        s = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), bv, s);
        t = _mm512_fmadd_ps(bv, bv, t);
    }
    if (i < dim) {
        __mmask16 m = avx512_tail_mask(dim - i);
        __m512 bv = _mm512_maskz_loadu_ps(m, b + i);
        s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), bv, s);
        t = _mm512_fmadd_ps(bv, bv, t);
    }
    *ab = _mm512_reduce_add_ps(s);
    *bb = _mm512_reduce_add_ps(t);
}

static const store_kernels avx512_kernels = {
    STORE_SIMD_AVX512, "avx512", avx512_dot, avx512_l2sq, avx512_dot_norm,
};

const store_kernels *store_kernels_avx512(void) { return &avx512_kernels; }

#else
const store_kernels *store_kernels_avx512(void) { return NULL; }
#endif
