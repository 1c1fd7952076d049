/*
 * distance.c — run-time choice of the SIMD level and the row loop that turns the primitives
 * into LanceDB's `_distance` values (lance-linalg: l2 is squared, cosine is 1 - cos, dot is
 * 1 - dot).
 */
#include "store/distance.h"

#include <math.h>

static int store_cpu_has(store_simd level) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __builtin_cpu_init();
    switch (level) {
    case STORE_SIMD_SCALAR: return 1;
    case STORE_SIMD_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case STORE_SIMD_AVX512: return __builtin_cpu_supports("avx512f");
    }
    return 0;
#else
    return level == STORE_SIMD_SCALAR;
#endif
}

const store_kernels *store_kernels_for(store_simd level) {
    if (!store_cpu_has(level)) return NULL;
    switch (level) {
    case STORE_SIMD_SCALAR: return store_kernels_scalar();
    case STORE_SIMD_AVX2: return store_kernels_avx2();
    case STORE_SIMD_AVX512: return store_kernels_avx512();
    }
    return NULL;
}

const store_kernels *store_kernels_best(void) {
    const store_kernels *k = store_kernels_for(STORE_SIMD_AVX512);
    if (!k) k = store_kernels_for(STORE_SIMD_AVX2);
    return k ? k : store_kernels_scalar();
}

void store_query_init(store_query *q, const store_kernels *k, const float *vector, size_t dim,
                      cdx_metric metric) {
    q->vector = vector;
    q->dim = dim;
    q->metric = metric;
    q->norm = metric == CDX_METRIC_COSINE ? sqrtf(k->dot(vector, vector, dim)) : 0.0f;
}

void store_distance_rows(const store_kernels *k, const store_query *q, const float *rows,
                         size_t nrows, float *out) {
    const size_t dim = q->dim;
    switch (q->metric) {
    case CDX_METRIC_L2:
        for (size_t r = 0; r < nrows; r++) out[r] = k->l2sq(q->vector, rows + r * dim, dim);
        break;
    case CDX_METRIC_DOT:
        for (size_t r = 0; r < nrows; r++) out[r] = 1.0f - k->dot(q->vector, rows + r * dim, dim);
        break;
    case CDX_METRIC_COSINE:
        for (size_t r = 0; r < nrows; r++) {
            float ab, bb;
            k->dot_norm(q->vector, rows + r * dim, dim, &ab, &bb);
            float denom = q->norm * sqrtf(bb);
            out[r] = denom > 0.0f ? 1.0f - ab / denom : NAN;
        }
        break;
    default:
        for (size_t r = 0; r < nrows; r++) out[r] = NAN;
        break;
    }
}
