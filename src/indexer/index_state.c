/*
 * index_state.c — what a table already holds, for incremental indexing: one entry per live row
 * (file name, file_id, size, mtime, content hash, _rowid), sorted by name for lookups and
 * indexed by hash for finding moved files. Vectors are not kept: a reused vector is fetched
 * from the table when its batch is written (index_commit.c), so memory stays ~100 B per row.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "indexer/index.h"

const cdx_field index_fields[8] = {
    {"file_id", CDX_COLUMN_INT64, 0, 0},      {"file_name", CDX_COLUMN_UTF8, 0, 0},
    {"vector", CDX_COLUMN_VECTOR_F32, 768, 0}, {"size", CDX_COLUMN_INT64, 0, 0},
    {"mtime_ns", CDX_COLUMN_INT64, 0, 0},     {"content_hash", CDX_COLUMN_UTF8, 0, 0},
    {"width", CDX_COLUMN_INT32, 0, 0},        {"height", CDX_COLUMN_INT32, 0, 0},
};

static long col_of(const cdx_table *t, const char *name, cdx_column_type type)
{
    long c = cdx_table_column_index(t, name);
    return c >= 0 && cdx_table_column_type(t, (size_t)c) == type ? c : -1;
}

static int cmp_row_name(const void *a, const void *b)
{
    return strcmp(((const index_row *)a)->name, ((const index_row *)b)->name);
}

static int cmp_hash_ptr(const void *a, const void *b)
{
    return strcmp((*(const index_row *const *)a)->hash, (*(const index_row *const *)b)->hash);
}

typedef struct state_cols {
    long id, name, size, mtime, hash;
} state_cols;

static int state_add_batch(index_state *s, const cdx_batch *b, const state_cols *c,
                           size_t *cap, cdx_error *err)
{
    uint64_t nr = cdx_batch_num_rows(b);
    const int64_t *ids = cdx_batch_int64(b, (size_t)c->id);
    const int64_t *sz = c->size >= 0 ? cdx_batch_int64(b, (size_t)c->size) : NULL;
    const int64_t *mt = c->mtime >= 0 ? cdx_batch_int64(b, (size_t)c->mtime) : NULL;
    for (uint64_t r = 0; r < nr; r++) {
        if (cdx_batch_is_null(b, (size_t)c->name, r)) continue;
        if (s->n == *cap) {
            size_t nc = *cap ? *cap * 2 : 1024;
            index_row *nrows = realloc(s->rows, nc * sizeof *nrows);
            if (!nrows) return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
            s->rows = nrows;
            *cap = nc;
        }
        index_row *row = &s->rows[s->n];
        memset(row, 0, sizeof *row);
        size_t len;
        const char *nm = cdx_batch_utf8(b, (size_t)c->name, r, &len);
        if (!(row->name = malloc(len + 1))) return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
        if (len) memcpy(row->name, nm, len);
        row->name[len] = 0;
        s->n++;
        row->file_id = ids && !cdx_batch_is_null(b, (size_t)c->id, r) ? ids[r] : -1;
        row->size = sz && !cdx_batch_is_null(b, (size_t)c->size, r) ? sz[r] : -1;
        row->mtime_ns = mt && !cdx_batch_is_null(b, (size_t)c->mtime, r) ? mt[r] : -1;
        row->row_id = cdx_batch_row_id(b, r);
        if (c->hash >= 0 && !cdx_batch_is_null(b, (size_t)c->hash, r)) {
            const char *h = cdx_batch_utf8(b, (size_t)c->hash, r, &len);
            if (len == 64) {
                memcpy(row->hash, h, 64);
                row->hash[64] = 0;
            }
        }
        if (row->file_id >= s->next_id) s->next_id = row->file_id + 1;
    }
    return 0;
}

int index_state_load(const cdx_table *t, index_state *s, cdx_error *err)
{
    memset(s, 0, sizeof *s);
    if (!t) {
        s->full = 1;
        return 0;
    }
    state_cols c = {col_of(t, "file_id", CDX_COLUMN_INT64), col_of(t, "file_name", CDX_COLUMN_UTF8),
                    col_of(t, "size", CDX_COLUMN_INT64), col_of(t, "mtime_ns", CDX_COLUMN_INT64),
                    col_of(t, "content_hash", CDX_COLUMN_UTF8)};
    if (c.id < 0 || c.name < 0)
        return cdx_fail(err, CDX_EUNSUPPORTED, "table has no int64 file_id or utf8 file_name "
                        "column: not an image table");
    s->full = c.size >= 0 && c.mtime >= 0 && c.hash >= 0 &&
              col_of(t, "width", CDX_COLUMN_INT32) >= 0 && col_of(t, "height", CDX_COLUMN_INT32) >= 0;
    const char *next = cdx_table_metadata(t, "clipdex.next_file_id");
    if (next) s->next_id = strtoll(next, NULL, 10);
    if (s->next_id < 0) s->next_id = 0;
    cdx_scan *sc = NULL;
    int rc = cdx_scan_open(t, &sc, err);
    size_t cap = 0;
    for (const cdx_batch *b = NULL; !rc;) {
        rc = cdx_scan_next(sc, &b, err);
        if (rc || !b) break;
        rc = state_add_batch(s, b, &c, &cap, err);
    }
    if (sc) cdx_scan_close(sc);
    if (!rc) {
        if (s->n > 1) qsort(s->rows, s->n, sizeof *s->rows, cmp_row_name);
        s->by_hash = malloc((s->n + 1) * sizeof *s->by_hash);
        if (!s->by_hash) rc = cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    }
    for (size_t i = 0; !rc && i < s->n; i++)
        if (s->rows[i].hash[0]) s->by_hash[s->n_by_hash++] = &s->rows[i];
    if (!rc && s->n_by_hash > 1) qsort(s->by_hash, s->n_by_hash, sizeof *s->by_hash, cmp_hash_ptr);
    if (rc) index_state_free(s);
    return rc;
}

void index_state_free(index_state *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->rows[i].name);
    free(s->rows);
    free(s->by_hash);
    memset(s, 0, sizeof *s);
}

const index_row *index_state_find(const index_state *s, const char *name)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) { /* the first of equal names */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->rows[mid].name, name) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->n && !strcmp(s->rows[lo].name, name) ? &s->rows[lo] : NULL;
}

const index_row *index_state_find_hash(const index_state *s, const char *hash)
{
    size_t lo = 0, hi = s->n_by_hash;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->by_hash[mid]->hash, hash);
        if (!c) return s->by_hash[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}
