/*
 * table_cache.h — per-table read state kept in the cdx_table handle: each fragment's data files
 * (mapped once), its live-row bitmap, and the decoded pages of the columns searched so far (views
 * into the mappings for fixed-width pages without nulls, so they cost no memory). Repeated
 * searches then do no I/O and decode nothing. Filled lazily under a mutex; read-only afterwards.
 */
#ifndef CDX_LANCE_TABLE_CACHE_H
#define CDX_LANCE_TABLE_CACHE_H

#include "lance/datafile.h"
#include "lance/table.h"

typedef struct lance_table_cache lance_table_cache;

/* One column of one fragment, as stored: every physical row, in pages. */
typedef struct lance_fragment_column {
    uint64_t fragment_id;
    uint64_t rows;              /* physical rows (sum of the pages' lengths) */
    uint64_t live;              /* rows not deleted */
    const uint8_t *keep;        /* live bitmap (LSB-first, set = live); NULL: all live */
    const uint8_t *skip;        /* one byte per row, nonzero = deleted or null; NULL: none */
    const lance_column *pages;
    size_t npages;
} lance_fragment_column;

/* A cache for `t` (its manifest must stay the same). NULL when out of memory. */
lance_table_cache *lance_table_cache_new(const cdx_table *t);
void lance_table_cache_free(lance_table_cache *c);

/* Column `col` (index into t->cols) of fragment `frag`, decoded on first use and kept until the
 * table is closed. Needs t->cache. */
int lance_table_cached_column(const cdx_table *t, size_t frag, size_t col,
                              const lance_fragment_column **out, cdx_error *err);

/* Data file `file` of fragment `frag`: the cached one (*owned = 0) or, for a table without a
 * cache, a freshly opened one the caller closes (*owned = 1). */
int lance_table_fragment_file(const cdx_table *t, size_t frag, size_t file, lance_datafile **df,
                              int *owned, cdx_error *err);

/* The live bitmap of fragment `frag` (NULL when no row is deleted): cached (*owned = 0) or, for
 * a table without a cache, malloc'd for the caller to free (*owned = 1). */
int lance_table_fragment_keep(const cdx_table *t, size_t frag, const uint8_t **keep, int *owned,
                              cdx_error *err);

#endif
