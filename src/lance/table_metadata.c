/*
 * table_metadata.c — the table's key/value metadata (Lance manifest field 19, table_metadata).
 * Every commit starts from the previous manifest, so keys are carried forward by appends and
 * deletes (clipdex's and Lance's own). New keys are staged on a handle and written by its next
 * commit, so setting them costs no version of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/table.h"

static const char *staged_value(const cdx_table *t, const char *key)
{
    for (size_t i = 0; i < t->n_meta_staged; i++)
        if (!strcmp(t->meta_staged[2 * i], key)) return t->meta_staged[2 * i + 1];
    return NULL;
}

const char *cdx_table_metadata(const cdx_table *t, const char *key)
{
    if (!t || !key) return NULL;
    const char *v = staged_value(t, key);
    if (v) return v;
    const Lance__Table__Manifest *m = t->manifest;
    for (size_t i = 0; m && i < m->n_table_metadata; i++)
        if (m->table_metadata[i]->key && !strcmp(m->table_metadata[i]->key, key))
            return m->table_metadata[i]->value ? m->table_metadata[i]->value : "";
    return NULL;
}

int cdx_table_set_metadata(cdx_table *t, const char *key, const char *value, cdx_error *err)
{
    if (!t || !key || !*key || !value)
        return cdx_fail(err, CDX_EINVAL, "%s: metadata needs a non-empty key and a value",
                        t ? t->dir : "(null)");
    char *k = strdup(key), *v = strdup(value);
    char **n = (k && v) ? realloc(t->meta_staged, (t->n_meta_staged + 1) * 2 * sizeof *n) : NULL;
    if (!n) {
        free(k);
        free(v);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    }
    t->meta_staged = n;
    for (size_t i = 0; i < t->n_meta_staged; i++) /* set twice: the last value wins */
        if (!strcmp(n[2 * i], key)) {
            free(k);
            free(n[2 * i + 1]);
            n[2 * i + 1] = v;
            return 0;
        }
    n[2 * t->n_meta_staged] = k;
    n[2 * t->n_meta_staged + 1] = v;
    t->n_meta_staged++;
    return 0;
}

static int set_entry(Lance__Table__Manifest *m, const char *key, const char *value)
{
    char *v = strdup(value);
    if (!v) return -1;
    for (size_t i = 0; i < m->n_table_metadata; i++) {
        Lance__Table__Manifest__TableMetadataEntry *e = m->table_metadata[i];
        if (e->key && !strcmp(e->key, key)) {
            if (e->value && e->value != protobuf_c_empty_string) free(e->value);
            e->value = v;
            return 0;
        }
    }
    Lance__Table__Manifest__TableMetadataEntry **arr =
        realloc(m->table_metadata, (m->n_table_metadata + 1) * sizeof *arr);
    Lance__Table__Manifest__TableMetadataEntry *e = arr ? malloc(sizeof *e) : NULL;
    if (arr) m->table_metadata = arr;
    if (!e) {
        free(v);
        return -1;
    }
    lance__table__manifest__table_metadata_entry__init(e);
    if (!(e->key = strdup(key))) {
        free(e);
        free(v);
        return -1;
    }
    e->value = v;
    arr[m->n_table_metadata++] = e;
    return 0;
}

int lance_table_apply_metadata(const cdx_table *t, Lance__Table__Manifest *m)
{
    for (size_t i = 0; i < t->n_meta_staged; i++)
        if (set_entry(m, t->meta_staged[2 * i], t->meta_staged[2 * i + 1])) return -1;
    return 0;
}

void lance_table_clear_staged(cdx_table *t)
{
    for (size_t i = 0; i < 2 * t->n_meta_staged; i++) free(t->meta_staged[i]);
    free(t->meta_staged);
    t->meta_staged = NULL;
    t->n_meta_staged = 0;
}
