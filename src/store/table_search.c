/*
 * table_search.c — cdx_table_search: exact top-k over a table's vector column. Each fragment's
 * column is decoded as stored (deleted rows included) and searched in place with a skip mask of
 * deleted and null rows, so live rows are never copied; the fragment's top-k is merged into the
 * running top-k, ordered by (distance, live position) like store_flat_search orders rows.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/table.h"
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

/* Merges the sorted fragment hits into the sorted running best (both ascending); keeps k. */
static size_t search_merge(cdx_search_hit *best, size_t nbest, const cdx_search_hit *frag,
                           size_t nfrag, size_t k, cdx_search_hit *scratch)
{
    size_t i = 0, j = 0, n = 0;
    while (n < k && (i < nbest || j < nfrag)) {
        int take_best = j >= nfrag || (i < nbest && store_hit_before(best[i].distance,
                                                                     best[i].position,
                                                                     frag[j].distance,
                                                                     frag[j].position));
        scratch[n++] = take_best ? best[i++] : frag[j++];
    }
    memcpy(best, scratch, n * sizeof *best);
    return n;
}

typedef struct search_state {
    const store_kernels *kernels;
    store_pool *pool;
    const float *query;
    size_t dim, k;
    cdx_metric metric;
    store_hit *frag_hits;          /* k, one fragment's result */
    cdx_search_hit *mapped, *tmp;  /* k each */
    cdx_search_hit *best;          /* k, the running result */
    size_t nbest;
    uint64_t base;                 /* live rows in earlier fragments */
} search_state;

/* Searches one fragment's column (physical rows; keep marks live ones) and merges its hits. */
static int search_fragment(search_state *s, const lance_column *c, const uint8_t *keep,
                           uint64_t fragment_id, cdx_error *err)
{
    uint64_t n = c->length, live = 0;
    uint8_t *skip = malloc((size_t)n + 1);
    if (!skip) return cdx_fail(err, CDX_ENOMEM, "table search: out of memory");
    for (uint64_t r = 0; r < n; r++) {
        int alive = keep[r / 8] >> (r % 8) & 1;
        live += (uint64_t)alive;
        skip[r] = !alive || !lance_column_is_valid(c, r);
    }
    size_t count = 0;
    int rc = store_flat_search_with(s->kernels, s->pool, c->values, (size_t)n, s->dim, skip,
                                    s->query, s->metric, s->k, s->frag_hits, &count, err);
    free(skip);
    if (rc) return rc;
    for (size_t i = 0; i < count; i++) {
        uint64_t r = s->frag_hits[i].row;
        s->mapped[i] = (cdx_search_hit){fragment_id << 32 | r,
                                        s->base + search_live_before(keep, r),
                                        s->frag_hits[i].distance};
    }
    s->nbest = search_merge(s->best, s->nbest, s->mapped, count, s->k, s->tmp);
    s->base += live;
    return 0;
}

static int search_all_fragments(const cdx_table *t, size_t col, search_state *s, cdx_error *err)
{
    for (size_t f = 0; f < t->manifest->n_fragments; f++) {
        lance_column c = {0};
        uint8_t *keep = NULL;
        uint64_t fragment_id = 0;
        int rc = lance_table_read_fragment_column(t, f, col, &c, &keep, &fragment_id, err);
        if (!rc && c.length) rc = search_fragment(s, &c, keep, fragment_id, err);
        lance_column_free(&c);
        free(keep);
        if (rc) return rc;
    }
    return 0;
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
    search_state s = {.kernels = store_kernels_best(), .query = query, .dim = dim, .k = k,
                      .metric = metric};
    size_t slots = k ? k : 1;
    s.frag_hits = malloc(slots * sizeof *s.frag_hits);
    s.mapped = malloc(slots * sizeof *s.mapped);
    s.tmp = malloc(slots * sizeof *s.tmp);
    s.best = malloc(slots * sizeof *s.best);
    if (!s.frag_hits || !s.mapped || !s.tmp || !s.best)
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory for %zu hits", t->dir, k);
    if (threads <= 0) threads = store_cpu_count();
    if (!rc && threads > 1) rc = store_pool_new(threads, &s.pool, err);
    if (!rc && k) rc = search_all_fragments(t, col, &s, err);
    store_pool_free(s.pool);
    free(s.frag_hits);
    free(s.mapped);
    free(s.tmp);
    if (rc) {
        free(s.best);
        return rc;
    }
    *hits = s.best;
    *count = s.nbest;
    return 0;
}

void cdx_search_hits_free(cdx_search_hit *hits) { free(hits); }
