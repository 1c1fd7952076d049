/*
 * pgemm_avx2.c — the AVX2+FMA packed fp32 micro-kernel: a tile of up to 6 rows × 16 columns in
 * 12 ymm accumulators; per k step two aligned loads of the panel and one broadcast per row from
 * the packed x tile (12 FMAs for 8 loads). Specialised per row count so the accumulators stay in
 * registers. Compiled with a target attribute; handed out only when the CPU has AVX2 and FMA.
 */
#include "model/pgemm.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>

#define PG_AVX2 __attribute__((target("avx2,fma")))
#define PG_INLINE __attribute__((always_inline)) inline

/* Row r of the tile exists when r < MR (a constant after inlining). The macros below paste
 * their argument into names (a##r##0), so it cannot be parenthesised. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PG_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

PG_AVX2 static PG_INLINE void pg_tile(const size_t MR, size_t kc, const float *a, const float *b,
                                      float *c, size_t ldc, const float *init) {
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
           a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
#define PG_INIT(r)                                                                                 \
    if (MR > r) {                                                                                  \
        a##r##0 = _mm256_loadu_ps(init ? init : c + r * ldc);                                      \
        a##r##1 = _mm256_loadu_ps(init ? init + 8 : c + r * ldc + 8);                              \
    }
    PG_ROWS(PG_INIT)
#undef PG_INIT
    _Pragma("GCC unroll 4")
    for (size_t kk = 0; kk < kc; kk++, a += MDL_PGEMM_MR, b += MDL_PGEMM_NR) {
        const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#define PG_FMA(r)                                                                                  \
    if (MR > r) {                                                                                  \
        const __m256 xv = _mm256_broadcast_ss(a + r);                                              \
        a##r##0 = _mm256_fmadd_ps(xv, b0, a##r##0);                                                \
        a##r##1 = _mm256_fmadd_ps(xv, b1, a##r##1);                                                \
    }
        PG_ROWS(PG_FMA)
#undef PG_FMA
    }
#define PG_STORE(r)                                                                                \
    if (MR > r) {                                                                                  \
        _mm256_storeu_ps(c + r * ldc, a##r##0);                                                    \
        _mm256_storeu_ps(c + r * ldc + 8, a##r##1);                                                \
    }
    PG_ROWS(PG_STORE)
#undef PG_STORE
}
// NOLINTEND(bugprone-macro-parentheses)

PG_AVX2 static void pg_avx2_kernel(size_t mr, size_t kc, const float *a, const float *b, float *c,
                                   size_t ldc, const float *init) {
    switch (mr) {
    case 6:
        pg_tile(6, kc, a, b, c, ldc, init);
        break;
    case 5:
        pg_tile(5, kc, a, b, c, ldc, init);
        break;
    case 4:
        pg_tile(4, kc, a, b, c, ldc, init);
        break;
    case 3:
        pg_tile(3, kc, a, b, c, ldc, init);
        break;
    case 2:
        pg_tile(2, kc, a, b, c, ldc, init);
        break;
    default:
        pg_tile(1, kc, a, b, c, ldc, init);
        break;
    }
}

mdl_pgemm_kernel mdl_pgemm_kernel_avx2(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return NULL;
    return pg_avx2_kernel;
}

#else
mdl_pgemm_kernel mdl_pgemm_kernel_avx2(void) {
    return NULL;
}
#endif
