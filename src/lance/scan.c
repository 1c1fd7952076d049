/*
 * scan.c — the public scan API over a cdx_table: one batch per fragment, holding that
 * fragment's live rows as decoded columns, plus accessors for values, nulls and row ids.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/table.h"

struct cdx_batch {
    uint64_t fragment_id;
    uint64_t num_rows;
    uint32_t *offsets;
    lance_column *cols;
    size_t ncols;
};

struct cdx_scan {
    const cdx_table *table;
    size_t next_fragment;
    cdx_batch batch;
};

static void batch_clear(cdx_batch *b)
{
    for (size_t i = 0; b->cols && i < b->ncols; i++) lance_column_free(&b->cols[i]);
    free(b->offsets);
    b->offsets = NULL;
    b->num_rows = 0;
}

int cdx_scan_open(const cdx_table *t, cdx_scan **out, cdx_error *err)
{
    cdx_scan *s = calloc(1, sizeof *s);
    if (s) s->batch.cols = calloc(t->ncols + 1, sizeof *s->batch.cols);
    if (!s || !s->batch.cols) {
        free(s);
        *out = NULL;
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    }
    s->table = t;
    s->batch.ncols = t->ncols;
    *out = s;
    return 0;
}

int cdx_scan_next(cdx_scan *s, const cdx_batch **batch, cdx_error *err)
{
    *batch = NULL;
    batch_clear(&s->batch);
    const Lance__Table__Manifest *m = s->table->manifest;
    while (s->next_fragment < m->n_fragments) {
        size_t f = s->next_fragment++;
        int rc = lance_table_read_fragment(s->table, f, s->batch.cols, &s->batch.offsets,
                                           &s->batch.num_rows, err);
        if (rc) return rc;
        s->batch.fragment_id = m->fragments[f]->id;
        if (s->batch.num_rows == 0) {
            batch_clear(&s->batch);
            continue;
        }
        *batch = &s->batch;
        return 0;
    }
    return 0;
}

void cdx_scan_close(cdx_scan *s)
{
    if (!s) return;
    batch_clear(&s->batch);
    free(s->batch.cols);
    free(s);
}

uint64_t cdx_batch_num_rows(const cdx_batch *b) { return b->num_rows; }

uint64_t cdx_batch_row_id(const cdx_batch *b, uint64_t row)
{
    return b->fragment_id << 32 | b->offsets[row];
}

int cdx_batch_is_null(const cdx_batch *b, size_t col, uint64_t row)
{
    return !lance_column_is_valid(&b->cols[col], row);
}

static const void *batch_values(const cdx_batch *b, size_t col, lance_type a, lance_type c)
{
    if (col >= b->ncols || (b->cols[col].type != a && b->cols[col].type != c)) return NULL;
    return b->cols[col].values;
}

const int32_t *cdx_batch_int32(const cdx_batch *b, size_t col)
{
    return batch_values(b, col, LANCE_TYPE_INT32, LANCE_TYPE_INT32);
}
const int64_t *cdx_batch_int64(const cdx_batch *b, size_t col)
{
    return batch_values(b, col, LANCE_TYPE_INT64, LANCE_TYPE_INT64);
}
const float *cdx_batch_float32(const cdx_batch *b, size_t col)
{
    return batch_values(b, col, LANCE_TYPE_FLOAT32, LANCE_TYPE_FSL_F32);
}
const double *cdx_batch_float64(const cdx_batch *b, size_t col)
{
    return batch_values(b, col, LANCE_TYPE_FLOAT64, LANCE_TYPE_FLOAT64);
}

const char *cdx_batch_utf8(const cdx_batch *b, size_t col, uint64_t row, size_t *len)
{
    if (col >= b->ncols || b->cols[col].type != LANCE_TYPE_UTF8 || row >= b->num_rows)
        return NULL;
    const lance_column *c = &b->cols[col];
    *len = (size_t)(c->offsets[row + 1] - c->offsets[row]);
    return c->data ? c->data + c->offsets[row] : "";
}
