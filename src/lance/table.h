/*
 * table.h — the Lance table reader behind the public cdx_table API: a manifest, the readable
 * top-level columns of its schema, and per-fragment reads that apply deletion files.
 */
#ifndef CDX_LANCE_TABLE_H
#define CDX_LANCE_TABLE_H

#include "clipdex.h"
#include "lance/column.h"
#include "table.pb-c.h"

typedef struct lance_table_column {
    const char *name; /* points into the manifest */
    int32_t field_id;
    lance_type type;
    uint32_t dim;
    int nullable;
} lance_table_column;

struct lance_datafile;
struct lance_table_cache;

struct cdx_table {
    char *dir; /* <db>/<name>.lance */
    Lance__Table__Manifest *manifest;
    uint64_t latest;
    uint64_t live_rows;
    lance_table_column *cols;
    size_t ncols;
    struct lance_table_cache *cache; /* mapped files and decoded pages (table_cache.h); may be NULL */
    cdx_durability durability; /* how this handle's commits sync (0 = CDX_DURABLE) */
    char **meta_staged;        /* key, value pairs set by cdx_table_set_metadata, written by */
    size_t n_meta_staged;      /* the handle's next commit (table_metadata.c) */
};

/* Writes the handle's staged metadata into m's table_metadata (a key already there is replaced)
 * before a commit through t; returns nonzero when out of memory. */
int lance_table_apply_metadata(const cdx_table *t, Lance__Table__Manifest *m);
/* Forgets the staged metadata (after a commit wrote it). */
void lance_table_clear_staged(cdx_table *t);

/* Reads the live rows of fragment `frag` (index into the manifest): cols[i] gets column i of
 * the table (caller frees each with lance_column_free); *offsets (malloc'd, caller frees) the
 * physical row offset of each live row; *nrows their count. */
int lance_table_read_fragment(const cdx_table *t, size_t frag, lance_column *cols,
                              uint32_t **offsets, uint64_t *nrows, cdx_error *err);

/* Reads column `col` (index into t->cols) of fragment `frag` as stored: all physical rows,
 * deleted ones included, into `out` (zeroed by the caller; lance_column_free). *keep gets the
 * fragment's live-row bitmap (LSB-first, bit set = live; malloc'd, caller frees) and *fragment_id
 * its id. Lets a search skip deleted rows without copying the live ones. */
int lance_table_read_fragment_column(const cdx_table *t, size_t frag, size_t col,
                                     lance_column *out, uint8_t **keep, uint64_t *fragment_id,
                                     cdx_error *err);

/* Helpers shared with table_cache.c. Opens data file `df` of a fragment (mapped). */
int lance_table_open_file(const cdx_table *t, const Lance__Table__DataFile *df,
                          struct lance_datafile **out, cdx_error *err);
/* The live bitmap of fragment f (malloc'd, physical_rows bits), its deletion file applied. */
int lance_table_build_keep(const cdx_table *t, const Lance__Table__DataFragment *f,
                           uint8_t **keep, cdx_error *err);
/* The data file and column index holding field `field_id` in fragment f; CDX_ENOTFOUND when no
 * data file of f holds it (a column the fragment was written without: all null, as in Lance). */
int lance_table_locate(const cdx_table *t, const Lance__Table__DataFragment *f, int32_t field_id,
                       size_t *file, uint32_t *column, cdx_error *err);
/* One page of `rows` null values of column c (for a field a fragment has no data for); free
 * with lance_datafile_free_pages. */
int lance_table_null_pages(const lance_table_column *c, uint64_t rows, lance_column **pages,
                           size_t *npages, cdx_error *err);
/* Fails when fragment f claims more rows than a row address can hold. */
int lance_table_check_fragment(const cdx_table *t, const Lance__Table__DataFragment *f,
                               cdx_error *err);

#endif
