/*
 * flat_search.c — the multi-threaded exact scan. Threads take fixed chunks of rows from an
 * atomic counter, score a chunk into a small buffer (it stays in L1), keep their own top-k heap,
 * and the heaps are merged at the end. Because hits are totally ordered by (distance, row), the
 * result does not depend on how chunks fell to threads.
 */
#include "store/flat_search.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/error.h"

#define FLAT_CHUNK_ROWS 256

typedef struct flat_scan {
    const store_kernels *kernels;
    store_query query;
    const float *matrix;
    const uint8_t *skip_mask;
    size_t n, dim, nchunks;
    atomic_size_t next_chunk;
    store_topk *heaps; /* one per thread */
} flat_scan;

static void flat_scan_chunk(flat_scan *s, size_t chunk, float *dist, store_topk *heap) {
    size_t first = chunk * FLAT_CHUNK_ROWS;
    size_t rows = s->n - first < FLAT_CHUNK_ROWS ? s->n - first : FLAT_CHUNK_ROWS;
    store_distance_rows(s->kernels, &s->query, s->matrix + first * s->dim, rows, dist);
    for (size_t r = 0; r < rows; r++) {
        if (s->skip_mask && s->skip_mask[first + r]) continue;
        if (isnan(dist[r])) continue;
        store_topk_push(heap, dist[r], first + r);
    }
}

static void flat_scan_thread(void *ctx, int thread) {
    flat_scan *s = ctx;
    float dist[FLAT_CHUNK_ROWS];
    for (;;) {
        size_t chunk = atomic_fetch_add_explicit(&s->next_chunk, 1, memory_order_relaxed);
        if (chunk >= s->nchunks) break;
        flat_scan_chunk(s, chunk, dist, &s->heaps[thread]);
    }
}

static int flat_check_args(const float *matrix, size_t n, size_t dim, const float *query,
                           cdx_metric metric, store_hit *results, size_t *count, size_t k,
                           cdx_error *err) {
    if (!count || (k > 0 && !results) || !query || (n > 0 && !matrix))
        return cdx_fail(err, CDX_EINVAL, "flat search: missing argument");
    if (dim == 0) return cdx_fail(err, CDX_EINVAL, "flat search: vector dimension is 0");
    if (n > SIZE_MAX / dim / sizeof(float))
        return cdx_fail(err, CDX_EINVAL, "flat search: %zu rows of %zu floats overflow", n, dim);
    if (metric != CDX_METRIC_L2 && metric != CDX_METRIC_COSINE && metric != CDX_METRIC_DOT)
        return cdx_fail(err, CDX_EINVAL, "flat search: unknown metric %d", (int)metric);
    return CDX_OK;
}

int store_flat_search_with(const store_kernels *kernels, core_pool *pool, const float *matrix,
                           size_t n, size_t dim, const uint8_t *skip_mask, const float *query,
                           cdx_metric metric, size_t k, store_hit *results, size_t *count,
                           cdx_error *err) {
    int rc = flat_check_args(matrix, n, dim, query, metric, results, count, k, err);
    if (rc != CDX_OK) return rc;
    *count = 0;
    if (!kernels) kernels = store_kernels_best();
    int threads = pool ? core_pool_threads(pool) : 1;
    flat_scan s = {.kernels = kernels, .matrix = matrix, .skip_mask = skip_mask, .n = n,
                   .dim = dim, .nchunks = (n + FLAT_CHUNK_ROWS - 1) / FLAT_CHUNK_ROWS};
    atomic_init(&s.next_chunk, 0);
    store_query_init(&s.query, kernels, query, dim, metric);
    s.heaps = calloc((size_t)threads, sizeof *s.heaps);
    if (!s.heaps) return cdx_fail(err, CDX_ENOMEM, "flat search: out of memory");
    for (int t = 0; t < threads && rc == CDX_OK; t++) rc = store_topk_init(&s.heaps[t], k, err);
    if (rc == CDX_OK && k > 0) {
        if (pool && threads > 1 && s.nchunks > 1) core_pool_run(pool, flat_scan_thread, &s);
        else flat_scan_thread(&s, 0);
        for (int t = 1; t < threads; t++) store_topk_merge(&s.heaps[0], &s.heaps[t]);
        *count = store_topk_take_sorted(&s.heaps[0], results);
    }
    for (int t = 0; t < threads; t++) store_topk_free(&s.heaps[t]);
    free(s.heaps);
    return rc;
}

int store_flat_search(const float *matrix, size_t n, size_t dim, const uint8_t *skip_mask,
                      const float *query, cdx_metric metric, size_t k, int threads,
                      store_hit *results, size_t *count, cdx_error *err) {
    int rc = flat_check_args(matrix, n, dim, query, metric, results, count, k, err);
    if (rc != CDX_OK) return rc;
    if (threads <= 0) threads = core_cpu_count();
    /* Threads only pay off past a few chunks' work. */
    size_t chunks = (n + FLAT_CHUNK_ROWS - 1) / FLAT_CHUNK_ROWS;
    if ((size_t)threads > chunks) threads = chunks > 0 ? (int)chunks : 1;
    core_pool *pool = NULL;
    if (threads > 1 && (rc = core_pool_new(threads, &pool, err)) != CDX_OK) return rc;
    rc = store_flat_search_with(store_kernels_best(), pool, matrix, n, dim, skip_mask, query,
                                metric, k, results, count, err);
    core_pool_free(pool);
    return rc;
}
