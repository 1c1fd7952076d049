/*
 * index_commit.c — writing one batch of the index job: copying the vectors of moved files from
 * the rows that hold them (one scan of the table version the run started from), then appending
 * the batch's rows and deleting the rows they replace in ONE version (cdx_appender_commit_replace),
 * so a changed file always has exactly one row, old or new.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "indexer/index.h"

typedef struct want {
    uint64_t row_id;
    size_t item;
} want;

static int cmp_want(const void *a, const void *b)
{
    uint64_t x = ((const want *)a)->row_id, y = ((const want *)b)->row_id;
    return (x > y) - (x < y);
}

static void copy_batch_vectors(const cdx_batch *b, size_t col, const want *w, size_t nw,
                               float *vecs, size_t dim, uint8_t *found)
{
    const float *v = cdx_batch_float32(b, col);
    uint64_t nr = cdx_batch_num_rows(b);
    for (uint64_t r = 0; v && r < nr; r++) {
        want key = {cdx_batch_row_id(b, r), 0};
        const want *hit = bsearch(&key, w, nw, sizeof *w, cmp_want);
        if (!hit) continue;
        for (const want *p = hit; p >= w && p->row_id == key.row_id; p--) { /* equal neighbours */
            memcpy(vecs + p->item * dim, v + r * dim, dim * sizeof *vecs);
            found[p - w] = 1;
        }
        for (const want *p = hit + 1; p < w + nw && p->row_id == key.row_id; p++) {
            memcpy(vecs + p->item * dim, v + r * dim, dim * sizeof *vecs);
            found[p - w] = 1;
        }
    }
}

int index_fetch_vectors(const cdx_table *from, const index_item *items, size_t n, float *vecs,
                        size_t dim, cdx_error *err)
{
    size_t nw = 0;
    for (size_t i = 0; i < n; i++) nw += items[i].reuse != 0;
    if (!nw) return 0;
    long col = cdx_table_column_index(from, "vector");
    if (col < 0 || cdx_table_column_dim(from, (size_t)col) != dim)
        return cdx_fail(err, CDX_EINVAL, "index: table has no %zu-d vector column", dim);
    want *w = malloc(nw * sizeof *w);
    uint8_t *found = calloc(nw, 1);
    if (!w || !found) {
        free(w);
        free(found);
        return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    }
    nw = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].reuse) w[nw++] = (want){items[i].reuse_row, i};
    qsort(w, nw, sizeof *w, cmp_want);
    cdx_scan *sc = NULL;
    int rc = cdx_scan_open(from, &sc, err);
    for (const cdx_batch *b = NULL; !rc;) {
        rc = cdx_scan_next(sc, &b, err);
        if (rc || !b) break;
        copy_batch_vectors(b, (size_t)col, w, nw, vecs, dim, found);
    }
    if (sc) cdx_scan_close(sc);
    for (size_t i = 0; !rc && i < nw; i++)
        if (!found[i])
            rc = cdx_fail(err, CDX_ENOTFOUND, "%s: the row to copy a vector from is gone",
                          items[w[i].item].path);
    free(w);
    free(found);
    return rc;
}

/* The columns of the ok items, compacted. */
typedef struct batch_cols {
    int64_t *ids, *sizes, *mtimes;
    int32_t *widths, *heights;
    const char **names, **hashes, **replaced;
    float *vecs;
    size_t n, n_replaced;
} batch_cols;

static void batch_cols_free(batch_cols *c)
{
    free(c->ids);
    free(c->sizes);
    free(c->mtimes);
    free(c->widths);
    free(c->heights);
    free(c->names);
    free(c->hashes);
    free(c->replaced);
    free(c->vecs);
}

static int batch_cols_fill(batch_cols *c, const index_item *items, const uint8_t *ok, size_t n,
                           const float *vecs, size_t dim)
{
    memset(c, 0, sizeof *c);
    size_t m = n + 1;
    c->ids = malloc(m * sizeof *c->ids);
    c->sizes = malloc(m * sizeof *c->sizes);
    c->mtimes = malloc(m * sizeof *c->mtimes);
    c->widths = malloc(m * sizeof *c->widths);
    c->heights = malloc(m * sizeof *c->heights);
    c->names = malloc(m * sizeof *c->names);
    c->hashes = malloc(m * sizeof *c->hashes);
    c->replaced = malloc(m * sizeof *c->replaced);
    c->vecs = malloc(m * dim * sizeof *c->vecs);
    if (!c->ids || !c->sizes || !c->mtimes || !c->widths || !c->heights || !c->names ||
        !c->hashes || !c->replaced || !c->vecs)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!ok[i]) continue;
        size_t k = c->n++;
        c->ids[k] = items[i].file_id;
        c->sizes[k] = items[i].size;
        c->mtimes[k] = items[i].mtime_ns;
        c->widths[k] = items[i].width;
        c->heights[k] = items[i].height;
        c->names[k] = items[i].path;
        c->hashes[k] = items[i].hash;
        memcpy(c->vecs + k * dim, vecs + i * dim, dim * sizeof *vecs);
        if (items[i].replaces) c->replaced[c->n_replaced++] = items[i].path;
    }
    return 0;
}

static int set_columns(cdx_rows *r, int full, const batch_cols *c, cdx_error *err)
{
    int rc = cdx_rows_set_int64(r, "file_id", c->ids, c->n, err);
    if (!rc) rc = cdx_rows_set_utf8(r, "file_name", c->names, c->n, err);
    if (!rc) rc = cdx_rows_set_vector_f32(r, "vector", c->vecs, c->n, err);
    if (!full) return rc;
    if (!rc) rc = cdx_rows_set_int64(r, "size", c->sizes, c->n, err);
    if (!rc) rc = cdx_rows_set_int64(r, "mtime_ns", c->mtimes, c->n, err);
    if (!rc) rc = cdx_rows_set_utf8(r, "content_hash", c->hashes, c->n, err);
    if (!rc) rc = cdx_rows_set_int32(r, "width", c->widths, c->n, err);
    if (!rc) rc = cdx_rows_set_int32(r, "height", c->heights, c->n, err);
    return rc;
}

int index_commit(cdx_table *t, int full, const index_item *items, const uint8_t *ok, size_t n,
                 const float *vecs, size_t dim, cdx_error *err)
{
    batch_cols c;
    if (batch_cols_fill(&c, items, ok, n, vecs, dim)) {
        batch_cols_free(&c);
        return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    }
    cdx_rows *r = NULL;
    cdx_appender *a = NULL;
    int rc = 0;
    if (c.n) { /* nothing to write: the staged metadata waits for the next batch */
        rc = cdx_rows_new(t, &r, err);
        if (!rc) rc = set_columns(r, full, &c, err);
        if (!rc) rc = cdx_appender_open(t, &a, err);
        if (!rc) rc = cdx_appender_add(a, r, err);
        if (rc) cdx_appender_abort(a);
        else rc = cdx_appender_commit_replace(a, "file_name", c.replaced, c.n_replaced, NULL, err);
    }
    cdx_rows_free(r);
    batch_cols_free(&c);
    return rc;
}
