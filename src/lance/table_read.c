/*
 * table_read.c — reading a table's fragments (table.h) through the table's cache of mapped data
 * files. A column stored as one page without nulls and a fragment without deletions comes back
 * as a view into the mapping: no copy at all. Otherwise pages are joined and deleted rows dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/table_cache.h"

/* Joins `pages` into `out`, keeping rows set in `keep` (NULL: all). A single page with nothing
 * to drop moves into `out` unchanged (a view stays a view). */
static int read_join(lance_column *pages, size_t npages, lance_type type, uint32_t dim,
                     const uint8_t *keep, lance_column *out, cdx_error *err)
{
    if (npages == 1 && !keep) {
        *out = pages[0];
        memset(&pages[0], 0, sizeof pages[0]);
        return 0;
    }
    lance_column raw = {0};
    lance_column *joined = &raw;
    int rc = 0;
    if (npages == 1) joined = &pages[0];
    else rc = lance_column_alloc(&raw, type, dim, 0, err);
    for (size_t i = 0; npages != 1 && i < npages && !rc; i++)
        rc = lance_column_append(&raw, &pages[i], NULL, err);
    if (!rc) rc = lance_column_alloc(out, type, dim, 0, err);
    if (!rc) rc = lance_column_append(out, joined, keep, err);
    lance_column_free(&raw);
    if (rc) lance_column_free(out);
    return rc;
}

/* Reads column c of fragment frag into out (live rows only when `keep`); views only while the
 * file stays open, so a file the caller closes gets owned copies. */
static int read_one_column(const cdx_table *t, size_t frag, size_t c, const uint8_t *keep,
                           lance_datafile **files, int *owned, lance_column *out, cdx_error *err)
{
    const Lance__Table__DataFragment *f = t->manifest->fragments[frag];
    size_t fi = 0;
    uint32_t ci = 0;
    lance_column *pages = NULL;
    size_t npages = 0;
    int rc = lance_table_locate(t, f, t->cols[c].field_id, &fi, &ci, err);
    if (rc == CDX_ENOTFOUND) { /* written without this column: all null */
        rc = lance_table_null_pages(&t->cols[c], f->physical_rows, &pages, &npages, err);
        if (!rc) rc = read_join(pages, npages, t->cols[c].type, t->cols[c].dim, keep, out, err);
        lance_datafile_free_pages(pages, npages);
        return rc;
    }
    if (!rc && !files[fi]) rc = lance_table_fragment_file(t, frag, fi, &files[fi], &owned[fi], err);
    if (!rc) rc = lance_datafile_read_pages(files[fi], ci, t->cols[c].type, t->cols[c].dim,
                                            &pages, &npages, err);
    if (!rc && lance_datafile_num_rows(files[fi]) != f->physical_rows)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu: column %s has %llu rows, "
                      "manifest says %llu", t->dir, (unsigned long long)f->id, t->cols[c].name,
                      (unsigned long long)lance_datafile_num_rows(files[fi]),
                      (unsigned long long)f->physical_rows);
    if (!rc) rc = read_join(pages, npages, t->cols[c].type, t->cols[c].dim, keep, out, err);
    if (!rc && owned[fi]) rc = lance_column_own(out, err);
    lance_datafile_free_pages(pages, npages);
    if (rc) lance_column_free(out);
    return rc;
}

int lance_table_read_fragment(const cdx_table *t, size_t frag, lance_column *cols,
                              uint32_t **offsets, uint64_t *nrows, cdx_error *err)
{
    const Lance__Table__DataFragment *f = t->manifest->fragments[frag];
    *offsets = NULL;
    *nrows = 0;
    int rc = lance_table_check_fragment(t, f, err);
    if (rc) return rc;
    const uint8_t *keep = NULL;
    int keep_owned = 0;
    lance_datafile **files = calloc(f->n_files + 1, sizeof *files);
    int *owned = calloc(f->n_files + 1, sizeof *owned);
    rc = files && owned ? lance_table_fragment_keep(t, frag, &keep, &keep_owned, err)
                        : cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    for (size_t c = 0; c < t->ncols && !rc; c++)
        rc = read_one_column(t, frag, c, keep, files, owned, &cols[c], err);
    uint64_t n = 0;
    if (!rc && !(*offsets = malloc((size_t)(f->physical_rows + 1) * sizeof **offsets)))
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    for (uint64_t r = 0; !rc && r < f->physical_rows; r++)
        if (!keep || keep[r / 8] >> (r % 8) & 1) (*offsets)[n++] = (uint32_t)r;
    *nrows = n;
    for (size_t i = 0; files && owned && i < f->n_files; i++)
        if (owned[i]) lance_datafile_close(files[i]);
    free(files);
    free(owned);
    if (keep_owned) free((uint8_t *)keep);
    if (rc) {
        for (size_t c = 0; c < t->ncols; c++) lance_column_free(&cols[c]);
        free(*offsets);
        *offsets = NULL;
        *nrows = 0;
    }
    return rc;
}

int lance_table_read_fragment_column(const cdx_table *t, size_t frag, size_t col,
                                     lance_column *out, uint8_t **keep, uint64_t *fragment_id,
                                     cdx_error *err)
{
    const Lance__Table__DataFragment *f = t->manifest->fragments[frag];
    *keep = NULL;
    *fragment_id = f->id;
    if (col >= t->ncols) return cdx_fail(err, CDX_EINVAL, "%s: no column %zu", t->dir, col);
    int rc = lance_table_check_fragment(t, f, err);
    lance_datafile **files = calloc(f->n_files + 1, sizeof *files);
    int *owned = calloc(f->n_files + 1, sizeof *owned);
    if (!rc && (!files || !owned)) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    if (!rc) rc = read_one_column(t, frag, col, NULL, files, owned, out, err);
    if (!rc) rc = lance_column_own(out, err);
    for (size_t i = 0; files && owned && i < f->n_files; i++)
        if (owned[i]) lance_datafile_close(files[i]);
    free(files);
    free(owned);
    if (!rc) rc = lance_table_build_keep(t, f, keep, err);
    if (rc) {
        lance_column_free(out);
        free(*keep);
        *keep = NULL;
    }
    return rc;
}
