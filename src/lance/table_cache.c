/*
 * table_cache.c — the per-table read cache (table_cache.h). Fragments are filled one piece at a
 * time on first use; the mutex makes concurrent searches on one handle safe, and after the first
 * query a lookup is a lock, an index and an unlock.
 */
#include "lance/table_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef struct cache_fragment {
    lance_datafile **files;      /* nfiles, opened on first use */
    size_t nfiles;
    uint8_t *keep;
    int keep_done;
    lance_fragment_column *cols; /* t->ncols */
    uint8_t *cols_done;
} cache_fragment;

struct lance_table_cache {
    pthread_mutex_t lock;
    size_t nfrags, ncols;
    cache_fragment *frags;
};

lance_table_cache *lance_table_cache_new(const cdx_table *t)
{
    lance_table_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->nfrags = t->manifest->n_fragments;
    c->ncols = t->ncols;
    c->frags = calloc(c->nfrags + 1, sizeof *c->frags);
    for (size_t i = 0; c->frags && i < c->nfrags; i++) {
        cache_fragment *f = &c->frags[i];
        f->nfiles = t->manifest->fragments[i]->n_files;
        f->files = calloc(f->nfiles + 1, sizeof *f->files);
        f->cols = calloc(c->ncols + 1, sizeof *f->cols);
        f->cols_done = calloc(c->ncols + 1, 1);
        if (!f->files || !f->cols || !f->cols_done) {
            c->nfrags = i + 1;
            lance_table_cache_free(c);
            return NULL;
        }
    }
    if (!c->frags) {
        lance_table_cache_free(c);
        return NULL;
    }
    return c;
}

static void cache_fragment_free(cache_fragment *f, size_t ncols)
{
    for (size_t i = 0; f->files && i < f->nfiles; i++) lance_datafile_close(f->files[i]);
    for (size_t i = 0; f->cols && i < ncols; i++) {
        lance_datafile_free_pages((lance_column *)f->cols[i].pages, f->cols[i].npages);
        free((uint8_t *)f->cols[i].skip);
    }
    free(f->files);
    free(f->keep);
    free(f->cols);
    free(f->cols_done);
}

void lance_table_cache_free(lance_table_cache *c)
{
    if (!c) return;
    for (size_t i = 0; c->frags && i < c->nfrags; i++) cache_fragment_free(&c->frags[i], c->ncols);
    free(c->frags);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int cache_file(const cdx_table *t, size_t frag, size_t file, lance_datafile **df,
                      cdx_error *err)
{
    cache_fragment *f = &t->cache->frags[frag];
    if (!f->files[file]) {
        int rc = lance_table_open_file(t, t->manifest->fragments[frag]->files[file],
                                       &f->files[file], err);
        if (rc) return rc;
    }
    *df = f->files[file];
    return 0;
}

static int cache_keep(const cdx_table *t, size_t frag, cdx_error *err)
{
    cache_fragment *f = &t->cache->frags[frag];
    if (f->keep_done) return 0;
    const Lance__Table__DataFragment *m = t->manifest->fragments[frag];
    if (m->deletion_file) {
        int rc = lance_table_build_keep(t, m, &f->keep, err);
        if (rc) return rc;
    }
    f->keep_done = 1;
    return 0;
}

int lance_table_fragment_file(const cdx_table *t, size_t frag, size_t file, lance_datafile **df,
                              int *owned, cdx_error *err)
{
    *owned = !t->cache;
    if (!t->cache) return lance_table_open_file(t, t->manifest->fragments[frag]->files[file], df,
                                                err);
    pthread_mutex_lock(&t->cache->lock);
    int rc = cache_file(t, frag, file, df, err);
    pthread_mutex_unlock(&t->cache->lock);
    return rc;
}

int lance_table_fragment_keep(const cdx_table *t, size_t frag, const uint8_t **keep, int *owned,
                              cdx_error *err)
{
    *keep = NULL;
    *owned = !t->cache;
    const Lance__Table__DataFragment *m = t->manifest->fragments[frag];
    if (!t->cache) {
        uint8_t *k = NULL;
        int rc = m->deletion_file ? lance_table_build_keep(t, m, &k, err) : 0;
        *keep = k;
        return rc;
    }
    pthread_mutex_lock(&t->cache->lock);
    int rc = cache_keep(t, frag, err);
    *keep = t->cache->frags[frag].keep;
    pthread_mutex_unlock(&t->cache->lock);
    return rc;
}

/* The skip mask of a column: deleted rows and null rows; left NULL when there are none. */
static int cache_skip(lance_fragment_column *fc, const char *dir, cdx_error *err)
{
    int any = fc->keep != NULL;
    for (size_t p = 0; p < fc->npages && !any; p++) any = fc->pages[p].validity != NULL;
    if (!any) return 0;
    uint8_t *skip = malloc((size_t)fc->rows + 1);
    if (!skip) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", dir);
    uint64_t r = 0;
    for (size_t p = 0; p < fc->npages; p++)
        for (uint64_t i = 0; i < fc->pages[p].length; i++, r++)
            skip[r] = (fc->keep && !(fc->keep[r / 8] >> (r % 8) & 1)) ||
                      !lance_column_is_valid(&fc->pages[p], i);
    fc->skip = skip;
    return 0;
}

static int cache_column(const cdx_table *t, size_t frag, size_t col, cdx_error *err)
{
    cache_fragment *f = &t->cache->frags[frag];
    const Lance__Table__DataFragment *m = t->manifest->fragments[frag];
    lance_fragment_column *fc = &f->cols[col];
    size_t fi = 0;
    uint32_t ci = 0;
    lance_datafile *df = NULL;
    lance_column *pages = NULL;
    size_t npages = 0;
    int rc = lance_table_check_fragment(t, m, err);
    int absent = 0;
    if (!rc) rc = lance_table_locate(t, m, t->cols[col].field_id, &fi, &ci, err);
    if (rc == CDX_ENOTFOUND) { /* written without this column: all null */
        absent = 1;
        rc = lance_table_null_pages(&t->cols[col], m->physical_rows, &pages, &npages, err);
    } else if (!rc) {
        rc = cache_file(t, frag, fi, &df, err);
    }
    if (!rc) rc = cache_keep(t, frag, err);
    if (!rc && !absent)
        rc = lance_datafile_read_pages(df, ci, t->cols[col].type, t->cols[col].dim, &pages,
                                       &npages, err);
    if (!rc && !absent && lance_datafile_num_rows(df) != m->physical_rows)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu: column %s has %llu rows, manifest "
                      "says %llu", t->dir, (unsigned long long)m->id, t->cols[col].name,
                      (unsigned long long)lance_datafile_num_rows(df),
                      (unsigned long long)m->physical_rows);
    if (rc) {
        lance_datafile_free_pages(pages, npages);
        return rc;
    }
    *fc = (lance_fragment_column){m->id, m->physical_rows, 0, f->keep, NULL, pages, npages};
    for (uint64_t r = 0; r < fc->rows; r++)
        fc->live += !fc->keep || (fc->keep[r / 8] >> (r % 8) & 1);
    rc = cache_skip(fc, t->dir, err);
    if (rc) {
        lance_datafile_free_pages(pages, npages);
        memset(fc, 0, sizeof *fc);
        return rc;
    }
    f->cols_done[col] = 1;
    return 0;
}

int lance_table_cached_column(const cdx_table *t, size_t frag, size_t col,
                              const lance_fragment_column **out, cdx_error *err)
{
    if (!t->cache) return cdx_fail(err, CDX_EINVAL, "%s: table has no read cache", t->dir);
    if (frag >= t->cache->nfrags || col >= t->cache->ncols)
        return cdx_fail(err, CDX_EINVAL, "%s: no fragment %zu column %zu", t->dir, frag, col);
    pthread_mutex_lock(&t->cache->lock);
    int rc = t->cache->frags[frag].cols_done[col] ? 0 : cache_column(t, frag, col, err);
    pthread_mutex_unlock(&t->cache->lock);
    *out = rc ? NULL : &t->cache->frags[frag].cols[col];
    return rc;
}
