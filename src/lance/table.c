/*
 * table.c — opening a Lance table at a version (table.h), the database listing, and the helpers
 * fragment reads share: locating a field's data file, opening it, and the live-row bitmap from
 * the deletion file. The reads themselves are in table_read.c.
 */
#include "lance/table.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "lance/datafile.h"
#include "lance/deletion.h"
#include "lance/fileio.h"
#include "lance/manifest.h"
#include "lance/table_cache.h"

/* Row offsets are u32 in LanceDB row addresses. */
#define TABLE_MAX_FRAGMENT_ROWS (UINT64_C(1) << 32)

static int names_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cdx_db_free_names(char **names, size_t count)
{
    for (size_t i = 0; names && i < count; i++) free(names[i]);
    free(names);
}

int cdx_db_list_tables(const char *db_dir, char ***names, size_t *count, cdx_error *err)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(db_dir);
    if (!d) return cdx_fail(err, errno == ENOENT ? CDX_ENOTFOUND : CDX_EIO, "%s: %s", db_dir,
                            strerror(errno));
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n <= 6 || strcmp(e->d_name + n - 6, ".lance") != 0) continue;
        char *path = lance_path_join(db_dir, e->d_name);
        struct stat st;
        int isdir = path && !stat(path, &st) && S_ISDIR(st.st_mode);
        free(path);
        if (!isdir) continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(*names, cap * sizeof *nn);
            if (!nn) { rc = CDX_ENOMEM; break; }
            *names = nn;
        }
        if (!((*names)[*count] = strndup(e->d_name, n - 6))) { rc = CDX_ENOMEM; break; }
        (*count)++;
    }
    closedir(d);
    if (rc) {
        cdx_db_free_names(*names, *count);
        *names = NULL;
        *count = 0;
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", db_dir);
    }
    if (*count) qsort(*names, *count, sizeof **names, names_cmp);
    return 0;
}

/* The readable top-level fields of the manifest schema become the table's columns. */
static int table_schema(cdx_table *t, cdx_error *err)
{
    Lance__Table__Manifest *m = t->manifest;
    t->cols = calloc(m->n_fields + 1, sizeof *t->cols);
    if (!t->cols) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    for (size_t i = 0; i < m->n_fields; i++) {
        const Lance__File__Field *f = m->fields[i];
        lance_table_column c = {f->name ? f->name : "", f->id, LANCE_TYPE_INT64, 1, f->nullable};
        if (f->parent_id != -1 || !f->logical_type) continue;
        if (lance_type_parse(f->logical_type, &c.type, &c.dim)) continue; /* unreadable type */
        t->cols[t->ncols++] = c;
    }
    return 0;
}

static uint64_t table_live_rows(const Lance__Table__Manifest *m)
{
    uint64_t n = 0;
    for (size_t i = 0; i < m->n_fragments; i++) {
        const Lance__Table__DataFragment *f = m->fragments[i];
        uint64_t del = f->deletion_file ? f->deletion_file->num_deleted_rows : 0;
        n += f->physical_rows > del ? f->physical_rows - del : 0;
    }
    return n;
}

int cdx_table_open(const char *db_dir, const char *name, uint64_t version, cdx_table **out,
                   cdx_error *err)
{
    *out = NULL;
    if (!db_dir || !name || !*name || strchr(name, '/'))
        return cdx_fail(err, CDX_EINVAL, "invalid table name '%s'", name ? name : "(null)");
    cdx_table *t = calloc(1, sizeof *t);
    size_t n = strlen(db_dir) + strlen(name) + 8;
    if (!t || !(t->dir = malloc(n))) {
        free(t);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name);
    }
    snprintf(t->dir, n, "%s/%s.lance", db_dir, name);
    lance_versions vs;
    int rc = lance_versions_list(t->dir, &vs, err);
    if (!rc) {
        t->latest = vs.versions[vs.count - 1];
        lance_versions_free(&vs);
        rc = lance_manifest_load(t->dir, version, &t->manifest, err);
    }
    if (!rc) rc = table_schema(t, err);
    if (!rc && !(t->cache = lance_table_cache_new(t)))
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    if (rc) {
        cdx_table_close(t);
        return rc;
    }
    t->live_rows = table_live_rows(t->manifest);
    *out = t;
    return 0;
}

void cdx_table_close(cdx_table *t)
{
    if (!t) return;
    lance_table_cache_free(t->cache);
    lance_table_clear_staged(t);
    if (t->manifest) lance__table__manifest__free_unpacked(t->manifest, NULL);
    free(t->cols);
    free(t->dir);
    free(t);
}

uint64_t cdx_table_version(const cdx_table *t) { return t->manifest->version; }
uint64_t cdx_table_latest_version(const cdx_table *t) { return t->latest; }
uint64_t cdx_table_num_rows(const cdx_table *t) { return t->live_rows; }
size_t cdx_table_num_columns(const cdx_table *t) { return t->ncols; }
const char *cdx_table_column_name(const cdx_table *t, size_t i) { return t->cols[i].name; }
uint32_t cdx_table_column_dim(const cdx_table *t, size_t i) { return t->cols[i].dim; }
int cdx_table_column_nullable(const cdx_table *t, size_t i) { return t->cols[i].nullable; }

cdx_column_type cdx_table_column_type(const cdx_table *t, size_t i)
{
    switch (t->cols[i].type) {
    case LANCE_TYPE_INT32: return CDX_COLUMN_INT32;
    case LANCE_TYPE_INT64: return CDX_COLUMN_INT64;
    case LANCE_TYPE_FLOAT32: return CDX_COLUMN_FLOAT32;
    case LANCE_TYPE_FLOAT64: return CDX_COLUMN_FLOAT64;
    case LANCE_TYPE_UTF8: return CDX_COLUMN_UTF8;
    case LANCE_TYPE_FSL_F32: return CDX_COLUMN_VECTOR_F32;
    }
    return CDX_COLUMN_INT64;
}

long cdx_table_column_index(const cdx_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, name)) return (long)i;
    return -1;
}

/* Builds the keep bitmap of a fragment: all rows, minus its deletion file's. */
int lance_table_build_keep(const cdx_table *t, const Lance__Table__DataFragment *f,
                           uint8_t **keep, cdx_error *err)
{
    uint64_t rows = f->physical_rows;
    *keep = malloc((size_t)(rows / 8 + 1));
    if (!*keep) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    memset(*keep, 0xff, (size_t)(rows / 8 + 1));
    const Lance__Table__DeletionFile *d = f->deletion_file;
    if (!d) return 0;
    int bitmap = d->file_type == LANCE__TABLE__DELETION_FILE__DELETION_FILE_TYPE__BITMAP;
    char path[4096];
    snprintf(path, sizeof path, "%s/_deletions/%llu-%llu-%llu.%s", t->dir,
             (unsigned long long)f->id, (unsigned long long)d->read_version,
             (unsigned long long)d->id, bitmap ? "bin" : "arrow");
    uint8_t *data;
    size_t len;
    int rc = lance_read_file(path, &data, &len, err);
    if (rc) return rc;
    rc = bitmap ? lance_deletion_apply_roaring(path, data, len, *keep, rows, err)
                : lance_deletion_apply_arrow(path, data, len, *keep, rows, err);
    free(data);
    return rc;
}

/* Finds the data file and column index holding field `field_id` in fragment f. */
int lance_table_locate(const cdx_table *t, const Lance__Table__DataFragment *f, int32_t field_id,
                       size_t *file, uint32_t *column, cdx_error *err)
{
    for (size_t i = 0; i < f->n_files; i++) {
        const Lance__Table__DataFile *df = f->files[i];
        for (size_t k = 0; k < df->n_fields; k++) {
            if (df->fields[k] != field_id) continue;
            if (k >= df->n_column_indices || df->column_indices[k] < 0)
                return cdx_fail(err, CDX_EUNSUPPORTED, "%s: fragment %llu: data file %s has no "
                                "column index for field %d (legacy file?)", t->dir,
                                (unsigned long long)f->id, df->path, field_id);
            *file = i;
            *column = (uint32_t)df->column_indices[k];
            return 0;
        }
    }
    return cdx_fail(err, CDX_ENOTFOUND, "%s: fragment %llu has no data for field %d", t->dir,
                    (unsigned long long)f->id, field_id);
}

int lance_table_open_file(const cdx_table *t, const Lance__Table__DataFile *df,
                          lance_datafile **out, cdx_error *err)
{
    if (!df->path || !*df->path || strstr(df->path, ".."))
        return cdx_fail(err, CDX_ECORRUPT, "%s: bad data file path", t->dir);
    char *data_dir = lance_path_join(t->dir, "data");
    char *path = data_dir ? lance_path_join(data_dir, df->path) : NULL;
    free(data_dir);
    if (!path) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    int rc = lance_datafile_open(path, out, err);
    free(path);
    return rc;
}

int lance_table_check_fragment(const cdx_table *t, const Lance__Table__DataFragment *f,
                               cdx_error *err)
{
    if (f->physical_rows > TABLE_MAX_FRAGMENT_ROWS)
        return cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu claims %llu rows", t->dir,
                        (unsigned long long)f->id, (unsigned long long)f->physical_rows);
    return 0;
}

int lance_table_null_pages(const lance_table_column *c, uint64_t rows, lance_column **pages,
                           size_t *npages, cdx_error *err)
{
    *npages = 0;
    if (!(*pages = calloc(1, sizeof **pages))) return cdx_fail(err, CDX_ENOMEM, "out of memory");
    lance_column *p = *pages;
    int rc = lance_column_alloc(p, c->type, c->dim, rows, err);
    if (!rc) rc = lance_column_alloc_validity(p, err);
    if (!rc) memset(p->validity, 0, (size_t)((rows + 7) / 8));
    if (rc) {
        lance_datafile_free_pages(*pages, 1);
        *pages = NULL;
        return rc;
    }
    *npages = 1;
    return 0;
}
