/*
 * flat_search.h — exact (brute-force) top-k search over a contiguous row-major matrix of
 * float32 vectors, as LanceDB's flat search (no index, or bypassVectorIndex) answers it:
 * the k rows of smallest `_distance`, ascending, ties by smaller row. Rows marked in the skip
 * mask (deleted or null) and rows whose distance is NaN are never returned.
 */
#ifndef CDX_STORE_FLAT_SEARCH_H
#define CDX_STORE_FLAT_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "store/distance.h"
#include "store/topk.h"
#include "core/pool.h"

/* Searches rows 0..n-1 of `matrix` (n * dim floats). skip_mask, when non-NULL, holds one byte
 * per row; nonzero skips the row. Writes up to k hits (row = index into matrix) to results, in
 * ascending order, and their number to *count. threads <= 0 means one per online CPU; the
 * kernels are the widest this CPU supports. */
int store_flat_search(const float *matrix, size_t n, size_t dim, const uint8_t *skip_mask,
                      const float *query, cdx_metric metric, size_t k, int threads,
                      store_hit *results, size_t *count, cdx_error *err);

/* The same with chosen kernels and an existing pool (NULL pool: the caller's thread only), for
 * callers that search repeatedly and for benchmarks. */
int store_flat_search_with(const store_kernels *kernels, core_pool *pool, const float *matrix,
                           size_t n, size_t dim, const uint8_t *skip_mask, const float *query,
                           cdx_metric metric, size_t k, store_hit *results, size_t *count,
                           cdx_error *err);

#endif
