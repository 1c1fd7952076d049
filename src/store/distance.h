/*
 * distance.h — float32 distance kernels for exact vector search. Each SIMD level (scalar,
 * AVX2+FMA, AVX-512F) provides the same three primitives; the scalar twin is the reference the
 * SIMD versions are tested against. The level is chosen at run time, so the default build runs on
 * any x86-64 (the SIMD files carry target attributes, not global -m flags).
 */
#ifndef CDX_STORE_DISTANCE_H
#define CDX_STORE_DISTANCE_H

#include <stddef.h>

#include "clipdex.h"

typedef enum store_simd {
    STORE_SIMD_SCALAR = 0,
    STORE_SIMD_AVX2 = 1,   /* AVX2 + FMA */
    STORE_SIMD_AVX512 = 2, /* AVX-512F */
} store_simd;

/* One SIMD level's primitives. All accumulate in float32 over 16 lanes (as lance-linalg does),
 * so every level rounds alike up to summation order. */
typedef struct store_kernels {
    store_simd level;
    const char *name;
    float (*dot)(const float *a, const float *b, size_t dim);
    float (*l2sq)(const float *a, const float *b, size_t dim);
    /* dot(a, b) and dot(b, b) in one pass over b (cosine needs both). */
    void (*dot_norm)(const float *a, const float *b, size_t dim, float *ab, float *bb);
} store_kernels;

/* The kernels of one level, or NULL when this CPU (or build) lacks it. */
const store_kernels *store_kernels_for(store_simd level);

/* The widest level this CPU supports. */
const store_kernels *store_kernels_best(void);

/* Per-query constants: for cosine the query's L2 norm, computed once. */
typedef struct store_query {
    const float *vector;
    size_t dim;
    cdx_metric metric;
    float norm; /* sqrt(dot(q, q)); used by cosine only */
} store_query;

void store_query_init(store_query *q, const store_kernels *k, const float *vector, size_t dim,
                      cdx_metric metric);

/* `_distance` of `nrows` consecutive rows (row-major, q->dim floats each) from the query, as
 * LanceDB defines it: l2 = sum (q-v)^2; cosine = 1 - q.v / (|q| |v|); dot = 1 - q.v.
 * A row with a NaN component (or a zero vector under cosine) gets NaN. */
void store_distance_rows(const store_kernels *k, const store_query *q, const float *rows,
                         size_t nrows, float *out);

/* Level-specific kernel tables (NULL when not compiled for this architecture). */
const store_kernels *store_kernels_scalar(void);
const store_kernels *store_kernels_avx2(void);
const store_kernels *store_kernels_avx512(void);

#endif
