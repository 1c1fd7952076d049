/*
 * scan.c — the public scan API over a cdx_table. A fragment without deletions is served in
 * windows where every column is one contiguous page: the batch's columns are slices of the
 * decoded pages, and fixed-width pages without nulls are views into the mapped data file, so
 * vectors are never copied. A fragment with deletions comes as one batch of its live rows.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/table_cache.h"

struct cdx_batch {
    uint64_t fragment_id;
    uint64_t num_rows;
    uint64_t first;     /* physical row of batch row 0 when offsets is NULL */
    uint32_t *offsets;  /* physical row of each batch row (fragments with deletions) */
    lance_column *cols; /* owned (owned_cols) or slices of the scan's pages */
    uint64_t *bit_base; /* per column: validity bit of batch row 0 */
    size_t ncols;
    int owned_cols;
};

struct cdx_scan {
    const cdx_table *table;
    size_t next_fragment;
    /* the fragment being windowed: per column its pages and the page the window is in */
    int windowing;
    uint64_t frag_rows, pos;
    lance_column **pages;
    size_t *npages, *page;
    uint64_t *page_start;
    lance_datafile **files;
    int *files_owned;
    size_t nfiles;
    cdx_batch batch;
};

static void batch_clear(cdx_batch *b)
{
    for (size_t i = 0; b->owned_cols && i < b->ncols; i++) lance_column_free(&b->cols[i]);
    memset(b->cols, 0, b->ncols * sizeof *b->cols);
    memset(b->bit_base, 0, b->ncols * sizeof *b->bit_base);
    free(b->offsets);
    b->offsets = NULL;
    b->num_rows = 0;
    b->first = 0;
    b->owned_cols = 0;
}

/* Drops the windowed fragment's pages and the files the scan opened for it. */
static void scan_drop_fragment(cdx_scan *s)
{
    for (size_t c = 0; c < s->table->ncols; c++) {
        lance_datafile_free_pages(s->pages[c], s->npages[c]);
        s->pages[c] = NULL;
        s->npages[c] = s->page[c] = 0;
        s->page_start[c] = 0;
    }
    for (size_t i = 0; s->files && i < s->nfiles; i++)
        if (s->files_owned[i]) lance_datafile_close(s->files[i]);
    free(s->files);
    free(s->files_owned);
    s->files = NULL;
    s->files_owned = NULL;
    s->nfiles = 0;
    s->windowing = 0;
}

int cdx_scan_open(const cdx_table *t, cdx_scan **out, cdx_error *err)
{
    cdx_scan *s = calloc(1, sizeof *s);
    size_t n = t->ncols + 1;
    if (s) {
        s->batch.cols = calloc(n, sizeof *s->batch.cols);
        s->batch.bit_base = calloc(n, sizeof *s->batch.bit_base);
        s->pages = calloc(n, sizeof *s->pages);
        s->npages = calloc(n, sizeof *s->npages);
        s->page = calloc(n, sizeof *s->page);
        s->page_start = calloc(n, sizeof *s->page_start);
    }
    if (s) s->table = t;
    if (!s || !s->batch.cols || !s->batch.bit_base || !s->pages || !s->npages || !s->page ||
        !s->page_start) {
        cdx_scan_close(s);
        *out = NULL;
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    }
    s->batch.ncols = t->ncols;
    *out = s;
    return 0;
}

/* Decodes every column of fragment `frag` (no deletions) page by page for windowing. */
static int scan_load_pages(cdx_scan *s, size_t frag, cdx_error *err)
{
    const cdx_table *t = s->table;
    const Lance__Table__DataFragment *f = t->manifest->fragments[frag];
    s->nfiles = f->n_files;
    s->files = calloc(f->n_files + 1, sizeof *s->files);
    s->files_owned = calloc(f->n_files + 1, sizeof *s->files_owned);
    s->windowing = 1;
    s->frag_rows = f->physical_rows;
    s->pos = 0;
    if (!s->files || !s->files_owned) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    for (size_t c = 0; c < t->ncols; c++) {
        size_t fi = 0;
        uint32_t ci = 0;
        int rc = lance_table_locate(t, f, t->cols[c].field_id, &fi, &ci, err);
        if (rc == CDX_ENOTFOUND) { /* written without this column: all null */
            rc = lance_table_null_pages(&t->cols[c], f->physical_rows, &s->pages[c],
                                        &s->npages[c], err);
            if (rc) return rc;
            continue;
        }
        if (!rc && !s->files[fi])
            rc = lance_table_fragment_file(t, frag, fi, &s->files[fi], &s->files_owned[fi], err);
        if (!rc) rc = lance_datafile_read_pages(s->files[fi], ci, t->cols[c].type,
                                                t->cols[c].dim, &s->pages[c], &s->npages[c], err);
        if (!rc && lance_datafile_num_rows(s->files[fi]) != f->physical_rows)
            rc = cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu: column %s has %llu rows, "
                          "manifest says %llu", t->dir, (unsigned long long)f->id,
                          t->cols[c].name,
                          (unsigned long long)lance_datafile_num_rows(s->files[fi]),
                          (unsigned long long)f->physical_rows);
        if (rc) return rc;
    }
    return 0;
}

/* Rows [pos, end) of column c's current page as a slice (not owned). */
static void scan_slice(cdx_scan *s, size_t c, uint64_t pos, uint64_t rows)
{
    const lance_column *p = &s->pages[c][s->page[c]];
    uint64_t off = pos - s->page_start[c];
    lance_column *d = &s->batch.cols[c];
    *d = *p;
    d->length = rows;
    d->borrowed = 1;
    if (p->values)
        d->values = (char *)p->values + off * p->dim * lance_type_elem_size(p->type);
    if (p->offsets) d->offsets = p->offsets + off;
    s->batch.bit_base[c] = off;
}

/* The next window of the fragment being windowed, or 0 rows at its end. */
static void scan_window(cdx_scan *s)
{
    uint64_t end = s->frag_rows;
    for (size_t c = 0; c < s->table->ncols; c++) {
        while (s->page[c] < s->npages[c] &&
               s->pos >= s->page_start[c] + s->pages[c][s->page[c]].length) {
            s->page_start[c] += s->pages[c][s->page[c]].length;
            s->page[c]++;
        }
        if (s->page[c] < s->npages[c]) {
            uint64_t page_end = s->page_start[c] + s->pages[c][s->page[c]].length;
            if (page_end < end) end = page_end;
        }
    }
    if (s->pos >= end) return;
    for (size_t c = 0; c < s->table->ncols; c++) scan_slice(s, c, s->pos, end - s->pos);
    s->batch.first = s->pos;
    s->batch.num_rows = end - s->pos;
    s->pos = end;
}

int cdx_scan_next(cdx_scan *s, const cdx_batch **batch, cdx_error *err)
{
    *batch = NULL;
    batch_clear(&s->batch);
    const Lance__Table__Manifest *m = s->table->manifest;
    for (;;) {
        if (s->windowing) {
            scan_window(s);
            if (s->batch.num_rows) {
                *batch = &s->batch;
                return 0;
            }
            scan_drop_fragment(s);
        }
        if (s->next_fragment >= m->n_fragments) return 0;
        size_t f = s->next_fragment++;
        s->batch.fragment_id = m->fragments[f]->id;
        int rc = lance_table_check_fragment(s->table, m->fragments[f], err);
        if (rc) return rc;
        if (!m->fragments[f]->deletion_file) {
            rc = scan_load_pages(s, f, err);
            if (rc) scan_drop_fragment(s);
            if (rc) return rc;
            continue;
        }
        s->batch.owned_cols = 1;
        rc = lance_table_read_fragment(s->table, f, s->batch.cols, &s->batch.offsets,
                                       &s->batch.num_rows, err);
        if (rc) return rc;
        if (s->batch.num_rows) {
            *batch = &s->batch;
            return 0;
        }
        batch_clear(&s->batch);
    }
}

void cdx_scan_close(cdx_scan *s)
{
    if (!s) return;
    if (s->batch.cols && s->batch.bit_base) batch_clear(&s->batch);
    if (s->pages && s->npages && s->page && s->page_start) scan_drop_fragment(s);
    free(s->batch.cols);
    free(s->batch.bit_base);
    free(s->pages);
    free(s->npages);
    free(s->page);
    free(s->page_start);
    free(s);
}

uint64_t cdx_batch_num_rows(const cdx_batch *b) { return b->num_rows; }

uint64_t cdx_batch_row_id(const cdx_batch *b, uint64_t row)
{
    return b->fragment_id << 32 | (b->offsets ? b->offsets[row] : b->first + row);
}

int cdx_batch_is_null(const cdx_batch *b, size_t col, uint64_t row)
{
    return !lance_column_is_valid(&b->cols[col], b->bit_base[col] + row);
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
