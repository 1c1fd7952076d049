/*
 * distance_avx2.c — AVX2 + FMA kernels: two 8-lane accumulators (16 lanes, like the scalar
 * twin), a scalar tail for dims that are not multiples of 16. Compiled with a target attribute
 * so the rest of the library stays portable; store_kernels_for() only hands these out when
 * __builtin_cpu_supports says the CPU has AVX2 and FMA.
 */
#include "store/distance.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2,fma")))

AVX2_TARGET static float avx2_hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2_TARGET static float avx2_dot(const float *a, const float *b, size_t dim) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    float tail = 0.0f;
    for (; i < dim; i++) tail += a[i] * b[i];
    return avx2_hsum(_mm256_add_ps(s0, s1)) + tail;
}

AVX2_TARGET static float avx2_l2sq(const float *a, const float *b, size_t dim) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    float tail = 0.0f;
    for (; i < dim; i++) {
        float d = a[i] - b[i];
        tail += d * d;
    }
    return avx2_hsum(_mm256_add_ps(s0, s1)) + tail;
}

AVX2_TARGET static void avx2_dot_norm(const float *a, const float *b, size_t dim, float *ab,
                                      float *bb) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        __m256 b0 = _mm256_loadu_ps(b + i), b1 = _mm256_loadu_ps(b + i + 8);
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), b0, s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), b1, s1);
        t0 = _mm256_fmadd_ps(b0, b0, t0);
        t1 = _mm256_fmadd_ps(b1, b1, t1);
    }
    float tail_s = 0.0f, tail_t = 0.0f;
    for (; i < dim; i++) {
        tail_s += a[i] * b[i];
        tail_t += b[i] * b[i];
    }
    *ab = avx2_hsum(_mm256_add_ps(s0, s1)) + tail_s;
    *bb = avx2_hsum(_mm256_add_ps(t0, t1)) + tail_t;
}

static const store_kernels avx2_kernels = {
    STORE_SIMD_AVX2, "avx2", avx2_dot, avx2_l2sq, avx2_dot_norm,
};

const store_kernels *store_kernels_avx2(void) { return &avx2_kernels; }

#else
const store_kernels *store_kernels_avx2(void) { return NULL; }
#endif
