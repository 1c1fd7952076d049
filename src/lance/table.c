/*
 * table.c — opening a Lance table at a version and reading its fragments (table.h), plus the
 * database listing. A fragment read loads each data file once, decodes the wanted columns and
 * drops the rows its deletion file names.
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
        if (n <= 6 || strcmp(e->d_name + n - 6, ".lance")) continue;
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
static int fragment_keep(const cdx_table *t, const Lance__Table__DataFragment *f, uint8_t **keep,
                         cdx_error *err)
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
static int fragment_locate(const cdx_table *t, const Lance__Table__DataFragment *f,
                           int32_t field_id, size_t *file, uint32_t *column, cdx_error *err)
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
    return cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu has no data for field %d", t->dir,
                    (unsigned long long)f->id, field_id);
}

static int fragment_open_file(const cdx_table *t, const Lance__Table__DataFile *df,
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

int lance_table_read_fragment(const cdx_table *t, size_t frag, lance_column *cols,
                              uint32_t **offsets, uint64_t *nrows, cdx_error *err)
{
    const Lance__Table__DataFragment *f = t->manifest->fragments[frag];
    *offsets = NULL;
    *nrows = 0;
    if (f->physical_rows > TABLE_MAX_FRAGMENT_ROWS)
        return cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu claims %llu rows", t->dir,
                        (unsigned long long)f->id, (unsigned long long)f->physical_rows);
    uint8_t *keep = NULL;
    lance_datafile **files = calloc(f->n_files + 1, sizeof *files);
    int rc = files ? fragment_keep(t, f, &keep, err)
                   : cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    for (size_t c = 0; c < t->ncols && !rc; c++) {
        size_t fi = 0;
        uint32_t ci = 0;
        lance_column raw = {0};
        rc = fragment_locate(t, f, t->cols[c].field_id, &fi, &ci, err);
        if (!rc && !files[fi]) rc = fragment_open_file(t, f->files[fi], &files[fi], err);
        if (!rc) rc = lance_datafile_read_column(files[fi], ci, t->cols[c].type, t->cols[c].dim,
                                                 &raw, err);
        if (!rc && raw.length != f->physical_rows)
            rc = cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu: column %s has %llu rows, "
                          "manifest says %llu", t->dir, (unsigned long long)f->id,
                          t->cols[c].name, (unsigned long long)raw.length,
                          (unsigned long long)f->physical_rows);
        if (!rc) rc = lance_column_alloc(&cols[c], raw.type, raw.dim, 0, err);
        if (!rc) rc = lance_column_append(&cols[c], &raw, keep, err);
        lance_column_free(&raw);
    }
    uint64_t n = 0;
    if (!rc && !(*offsets = malloc((size_t)(f->physical_rows + 1) * sizeof **offsets)))
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    for (uint64_t r = 0; !rc && r < f->physical_rows; r++)
        if (keep[r / 8] >> (r % 8) & 1) (*offsets)[n++] = (uint32_t)r;
    *nrows = n;
    for (size_t i = 0; files && i < f->n_files; i++) lance_datafile_close(files[i]);
    free(files);
    free(keep);
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
    if (f->physical_rows > TABLE_MAX_FRAGMENT_ROWS)
        return cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu claims %llu rows", t->dir,
                        (unsigned long long)f->id, (unsigned long long)f->physical_rows);
    size_t fi = 0;
    uint32_t ci = 0;
    lance_datafile *df = NULL;
    int rc = fragment_locate(t, f, t->cols[col].field_id, &fi, &ci, err);
    if (!rc) rc = fragment_open_file(t, f->files[fi], &df, err);
    if (!rc) rc = lance_datafile_read_column(df, ci, t->cols[col].type, t->cols[col].dim, out,
                                             err);
    lance_datafile_close(df);
    if (!rc && out->length != f->physical_rows)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: fragment %llu: column %s has %llu rows, "
                      "manifest says %llu", t->dir, (unsigned long long)f->id,
                      t->cols[col].name, (unsigned long long)out->length,
                      (unsigned long long)f->physical_rows);
    if (!rc) rc = fragment_keep(t, f, keep, err);
    if (rc) {
        lance_column_free(out);
        free(*keep);
        *keep = NULL;
    }
    return rc;
}
