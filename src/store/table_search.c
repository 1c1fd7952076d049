/*
 * table_search.c — cdx_table_search: exact top-k over a table's vector column. The column's pages
 * come from the table's cache (views into the mapped data files when stored flat), so a query
 * reads the vectors where they lie: threads take 256-row chunks of all pages of all fragments
 * from one counter, skip deleted and null rows by a cached mask, and keep their own top-k by
 * (distance, physical index), which orders like (distance, live position).
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/table_cache.h"
#include "store/flat_search.h"

/* Live rows before physical row `row` of a fragment, from its keep bitmap. */
static uint64_t search_live_before(const uint8_t *keep, uint64_t row)
{
    uint64_t n = 0, byte = row / 8;
    for (uint64_t i = 0; i < byte; i++) n += (uint64_t)__builtin_popcount(keep[i]);
    return n + (uint64_t)__builtin_popcount(keep[byte] & ((1u << (row % 8)) - 1));
}

/* The vector column to search: the named one, or the only one. */
static int search_pick_column(const cdx_table *t, const char *column, size_t dim, size_t *out,
                              cdx_error *err)
{
    long found = -1;
    if (column) {
        found = cdx_table_column_index(t, column);
        if (found < 0) return cdx_fail(err, CDX_ENOTFOUND, "%s: no column '%s'", t->dir, column);
        if (t->cols[found].type != LANCE_TYPE_FSL_F32)
            return cdx_fail(err, CDX_EINVAL, "%s: column '%s' is not a float32 vector column",
                            t->dir, column);
    } else {
        for (size_t i = 0; i < t->ncols; i++) {
            if (t->cols[i].type != LANCE_TYPE_FSL_F32) continue;
            if (found >= 0)
                return cdx_fail(err, CDX_EINVAL, "%s: several vector columns ('%s', '%s'); "
                                "name the one to search", t->dir, t->cols[found].name,
                                t->cols[i].name);
            found = (long)i;
        }
        if (found < 0) return cdx_fail(err, CDX_ENOTFOUND, "%s: no vector column", t->dir);
    }
    if (t->cols[found].dim != dim)
        return cdx_fail(err, CDX_EINVAL, "%s: query has %zu dimensions, column '%s' has %u",
                        t->dir, dim, t->cols[found].name, t->cols[found].dim);
    *out = (size_t)found;
    return 0;
}

/* A run of consecutive rows of one page: row-major floats straight from the mapping (or the
 * page's decoded copy), `first` = its index among all physical rows of the searched fragments. */
typedef struct search_segment {
    const float *rows;
    const uint8_t *skip; /* per row, or NULL */
    uint64_t n, first;
    size_t chunk0;       /* index of its first chunk */
} search_segment;

#define SEARCH_CHUNK_ROWS 256

typedef struct search_run {
    const store_kernels *kernels;
    store_query query;
    size_t dim;
    const search_segment *segs;
    size_t nsegs, nchunks;
    atomic_size_t next_chunk;
    store_topk *heaps; /* one per thread; row = physical index over all fragments */
} search_run;

/* The segment holding chunk `chunk` (segments are ordered by chunk0). */
static const search_segment *search_find_segment(const search_run *r, size_t chunk)
{
    size_t lo = 0, hi = r->nsegs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->segs[mid].chunk0 <= chunk) lo = mid;
        else hi = mid;
    }
    return &r->segs[lo];
}

static void search_thread(void *ctx, int thread)
{
    search_run *r = ctx;
    float dist[SEARCH_CHUNK_ROWS];
    for (;;) {
        size_t chunk = atomic_fetch_add_explicit(&r->next_chunk, 1, memory_order_relaxed);
        if (chunk >= r->nchunks) break;
        const search_segment *sg = search_find_segment(r, chunk);
        uint64_t at = (uint64_t)(chunk - sg->chunk0) * SEARCH_CHUNK_ROWS;
        size_t rows = sg->n - at < SEARCH_CHUNK_ROWS ? (size_t)(sg->n - at) : SEARCH_CHUNK_ROWS;
        store_distance_rows(r->kernels, &r->query, sg->rows + at * r->dim, rows, dist);
        for (size_t i = 0; i < rows; i++) {
            if ((sg->skip && sg->skip[at + i]) || isnan(dist[i])) continue;
            store_topk_push(&r->heaps[thread], dist[i], sg->first + at + i);
        }
    }
}

/* The fragments' cached pages as segments; *segs is malloc'd (one per page). */
static int search_segments(const cdx_table *t, size_t col, const lance_fragment_column **fcs,
                           search_segment **segs, size_t *nsegs, size_t *nchunks, cdx_error *err)
{
    size_t n = 0, chunks = 0;
    uint64_t first = 0;
    for (size_t f = 0; f < t->manifest->n_fragments; f++) {
        int rc = lance_table_cached_column(t, f, col, &fcs[f], err);
        if (rc) return rc;
        n += fcs[f]->npages;
    }
    *segs = malloc((n + 1) * sizeof **segs);
    if (!*segs) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    n = 0;
    for (size_t f = 0; f < t->manifest->n_fragments; f++) {
        const lance_fragment_column *fc = fcs[f];
        uint64_t row = 0;
        for (size_t p = 0; p < fc->npages; p++) {
            const lance_column *pg = &fc->pages[p];
            if (pg->length)
                (*segs)[n++] = (search_segment){pg->values, fc->skip ? fc->skip + row : NULL,
                                                pg->length, first + row, chunks};
            chunks += (size_t)((pg->length + SEARCH_CHUNK_ROWS - 1) / SEARCH_CHUNK_ROWS);
            row += pg->length;
        }
        first += fc->rows;
    }
    *nsegs = n;
    *nchunks = chunks;
    return 0;
}

/* Turns a physical index over all fragments into a hit (row id and live position). */
static cdx_search_hit search_hit(const cdx_table *t, const lance_fragment_column **fcs,
                                 uint64_t index, float distance)
{
    uint64_t live_base = 0;
    size_t f = 0;
    while (f + 1 < t->manifest->n_fragments && index >= fcs[f]->rows) {
        index -= fcs[f]->rows;
        live_base += fcs[f]->live;
        f++;
    }
    uint64_t pos = fcs[f]->keep ? search_live_before(fcs[f]->keep, index) : index;
    return (cdx_search_hit){fcs[f]->fragment_id << 32 | index, live_base + pos, distance};
}

static int search_run_all(const cdx_table *t, size_t col, const float *query, size_t dim,
                          cdx_metric metric, size_t k, int threads, cdx_search_hit *best,
                          size_t *nbest, cdx_error *err)
{
    const lance_fragment_column **fcs = calloc(t->manifest->n_fragments + 1, sizeof *fcs);
    search_segment *segs = NULL;
    search_run r = {.kernels = store_kernels_best(), .dim = dim};
    atomic_init(&r.next_chunk, 0);
    int rc = fcs ? search_segments(t, col, fcs, &segs, &r.nsegs, &r.nchunks, err)
                 : cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    r.segs = segs;
    if (!rc && (size_t)threads > r.nchunks) threads = r.nchunks ? (int)r.nchunks : 1;
    core_pool *pool = NULL;
    if (!rc && threads > 1) rc = core_pool_new(threads, &pool, err);
    if (!rc && !(r.heaps = calloc((size_t)threads, sizeof *r.heaps)))
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    for (int i = 0; !rc && i < threads; i++) rc = store_topk_init(&r.heaps[i], k, err);
    *nbest = 0;
    if (!rc && r.nsegs > 0) { /* no segments (no fragments, or only empty pages): no hits */
        store_query_init(&r.query, r.kernels, query, dim, metric);
        if (pool) core_pool_run(pool, search_thread, &r);
        else search_thread(&r, 0);
        for (int i = 1; i < threads; i++) store_topk_merge(&r.heaps[0], &r.heaps[i]);
        store_hit *sorted = malloc((k ? k : 1) * sizeof *sorted);
        if (!sorted) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
        size_t n = sorted ? store_topk_take_sorted(&r.heaps[0], sorted) : 0;
        for (size_t i = 0; i < n; i++) best[i] = search_hit(t, fcs, sorted[i].row, sorted[i].distance);
        *nbest = n;
        free(sorted);
    }
    for (int i = 0; r.heaps && i < threads; i++) store_topk_free(&r.heaps[i]);
    free(r.heaps);
    core_pool_free(pool);
    free(segs);
    free(fcs);
    return rc;
}

int cdx_table_search(const cdx_table *t, const char *column, const float *query, size_t dim,
                     cdx_metric metric, size_t k, int threads, cdx_search_hit **hits,
                     size_t *count, cdx_error *err)
{
    if (!t || !query || !hits || !count)
        return cdx_fail(err, CDX_EINVAL, "table search: missing argument");
    *hits = NULL;
    *count = 0;
    size_t col = 0;
    int rc = search_pick_column(t, column, dim, &col, err);
    if (rc) return rc;
    if (k > t->live_rows) k = (size_t)t->live_rows;
    if (metric != CDX_METRIC_L2 && metric != CDX_METRIC_COSINE && metric != CDX_METRIC_DOT)
        return cdx_fail(err, CDX_EINVAL, "table search: unknown metric %d", (int)metric);
    cdx_search_hit *best = malloc((k ? k : 1) * sizeof *best);
    if (!best) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for %zu hits", t->dir, k);
    size_t n = 0;
    if (threads <= 0) threads = core_cpu_count();
    if (k) rc = search_run_all(t, col, query, dim, metric, k, threads, best, &n, err);
    if (rc) {
        free(best);
        return rc;
    }
    *hits = best;
    *count = n;
    return 0;
}

void cdx_search_hits_free(cdx_search_hit *hits) { free(hits); }
