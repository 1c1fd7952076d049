/*
 * rows.c — cdx_rows, the column-wise batch builder for appends (rows.h). Values are copied into
 * lance_columns in the layout the data-file writer takes (column.h).
 */
#include "lance/rows.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/table.h"

int lance_table_write_fields(const cdx_table *t, lance_field_desc **out, size_t *n,
                             cdx_error *err)
{
    *out = NULL;
    *n = 0;
    if (t->manifest->n_fields != t->ncols)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: the table has columns clipdex cannot write",
                        t->dir);
    lance_field_desc *f = calloc(t->ncols + 1, sizeof *f);
    if (!f) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    for (size_t i = 0; i < t->ncols; i++) {
        const lance_table_column *c = &t->cols[i];
        f[i] = (lance_field_desc){c->name, c->field_id, c->type, c->dim, c->nullable};
    }
    *out = f;
    *n = t->ncols;
    return 0;
}

int cdx_rows_new(const cdx_table *t, cdx_rows **out, cdx_error *err)
{
    *out = NULL;
    cdx_rows *r = calloc(1, sizeof *r);
    if (!r) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    int rc = lance_table_write_fields(t, &r->fields, &r->ncols, err);
    if (!rc) {
        r->cols = calloc(r->ncols + 1, sizeof *r->cols);
        r->set = calloc(r->ncols + 1, sizeof *r->set);
        for (size_t i = 0; r->cols && r->set && i < r->ncols; i++) {
            if (!(r->fields[i].name = strdup(r->fields[i].name))) break;
            r->cols[i].type = r->fields[i].type;
            r->cols[i].dim = r->fields[i].dim;
        }
        for (size_t i = 0; i < r->ncols; i++)
            if (!r->cols || !r->set || !r->fields[i].name) {
                for (size_t k = i; k < r->ncols; k++) r->fields[k].name = NULL;
                rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
                break;
            }
    }
    if (rc) {
        cdx_rows_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void cdx_rows_clear(cdx_rows *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->ncols; i++) {
        lance_column_free(&r->cols[i]);
        r->cols[i].type = r->fields[i].type;
        r->cols[i].dim = r->fields[i].dim;
        r->set[i] = 0;
    }
    r->rows = 0;
    r->have_rows = 0;
}

void cdx_rows_free(cdx_rows *r)
{
    if (!r) return;
    for (size_t i = 0; r->cols && i < r->ncols; i++) lance_column_free(&r->cols[i]);
    for (size_t i = 0; r->fields && i < r->ncols; i++) free((char *)r->fields[i].name);
    free(r->fields);
    free(r->cols);
    free(r->set);
    free(r);
}

size_t cdx_rows_count(const cdx_rows *r) { return r->have_rows ? (size_t)r->rows : 0; }

/* Finds column `name` of type `type`, checks the row count and frees its old values. */
static int rows_slot(cdx_rows *r, const char *name, lance_type type, size_t n, size_t *idx,
                     cdx_error *err)
{
    size_t i;
    for (i = 0; i < r->ncols && strcmp(r->fields[i].name, name ? name : "") != 0; i++) {}
    if (i == r->ncols) return cdx_fail(err, CDX_ENOTFOUND, "rows: no column '%s'", name);
    if (r->fields[i].type != type)
        return cdx_fail(err, CDX_EINVAL, "rows: column '%s' has another type", name);
    int others = 0;
    for (size_t k = 0; k < r->ncols; k++) others |= k != i && r->set[k];
    if (others && r->rows != n)
        return cdx_fail(err, CDX_EINVAL, "rows: column '%s' gets %zu values, the batch has %llu",
                        name, n, (unsigned long long)r->rows);
    lance_column_free(&r->cols[i]);
    r->set[i] = 0;
    int rc = lance_column_alloc(&r->cols[i], type, r->fields[i].dim, n, err);
    if (rc) return rc;
    *idx = i;
    return 0;
}

static int rows_set_fixed(cdx_rows *r, const char *col, lance_type type, const void *v, size_t n,
                          cdx_error *err)
{
    size_t i;
    if (n && !v) return cdx_fail(err, CDX_EINVAL, "rows: column '%s': NULL values", col);
    int rc = rows_slot(r, col, type, n, &i, err);
    if (rc) return rc;
    size_t bytes = n * lance_type_elem_size(type) * r->fields[i].dim;
    if (bytes) memcpy(r->cols[i].values, v, bytes);
    r->set[i] = 1;
    r->rows = n;
    r->have_rows = 1;
    return 0;
}

int cdx_rows_set_int32(cdx_rows *r, const char *col, const int32_t *v, size_t n, cdx_error *err)
{
    return rows_set_fixed(r, col, LANCE_TYPE_INT32, v, n, err);
}
int cdx_rows_set_int64(cdx_rows *r, const char *col, const int64_t *v, size_t n, cdx_error *err)
{
    return rows_set_fixed(r, col, LANCE_TYPE_INT64, v, n, err);
}
int cdx_rows_set_float32(cdx_rows *r, const char *col, const float *v, size_t n, cdx_error *err)
{
    return rows_set_fixed(r, col, LANCE_TYPE_FLOAT32, v, n, err);
}
int cdx_rows_set_float64(cdx_rows *r, const char *col, const double *v, size_t n, cdx_error *err)
{
    return rows_set_fixed(r, col, LANCE_TYPE_FLOAT64, v, n, err);
}
int cdx_rows_set_vector_f32(cdx_rows *r, const char *col, const float *v, size_t n,
                            cdx_error *err)
{
    return rows_set_fixed(r, col, LANCE_TYPE_FSL_F32, v, n, err);
}

int cdx_rows_set_utf8(cdx_rows *r, const char *col, const char *const *v, size_t n,
                      cdx_error *err)
{
    size_t i;
    if (n && !v) return cdx_fail(err, CDX_EINVAL, "rows: column '%s': NULL values", col);
    int rc = rows_slot(r, col, LANCE_TYPE_UTF8, n, &i, err);
    if (rc) return rc;
    lance_column *c = &r->cols[i];
    uint64_t total = 0;
    for (size_t k = 0; k < n; k++) total += v[k] ? strlen(v[k]) : 0;
    c->data = malloc(total ? (size_t)total : 1);
    if (!c->data) return cdx_fail(err, CDX_ENOMEM, "rows: column '%s': out of memory", col);
    c->data_len = total;
    uint64_t at = 0;
    for (size_t k = 0; k < n; k++) {
        if (v[k]) {
            size_t len = strlen(v[k]);
            memcpy(c->data + at, v[k], len);
            at += len;
        } else if ((rc = lance_column_set_null(c, k, err))) {
            return rc;
        }
        c->offsets[k + 1] = at;
    }
    r->set[i] = 1;
    r->rows = n;
    r->have_rows = 1;
    return 0;
}

int cdx_rows_set_validity(cdx_rows *r, const char *col, const uint8_t *valid, cdx_error *err)
{
    size_t i;
    for (i = 0; i < r->ncols && strcmp(r->fields[i].name, col ? col : "") != 0; i++) {}
    if (i == r->ncols || !r->set[i])
        return cdx_fail(err, CDX_EINVAL, "rows: column '%s' is not set", col);
    lance_column *c = &r->cols[i];
    size_t elem = lance_type_elem_size(c->type) * c->dim;
    for (uint64_t k = 0; k < c->length; k++) {
        if (valid[k / 8] >> (k % 8) & 1) continue;
        int rc = lance_column_set_null(c, k, err);
        if (rc) return rc;
        if (c->type != LANCE_TYPE_UTF8) {
            memset((uint8_t *)c->values + k * elem, 0, elem);
            continue;
        }
        /* Drop the string's bytes so null rows are empty, as the reader documents. */
        uint64_t len = c->offsets[k + 1] - c->offsets[k];
        memmove(c->data + c->offsets[k], c->data + c->offsets[k + 1],
                (size_t)(c->data_len - c->offsets[k + 1]));
        for (uint64_t j = k + 1; j <= c->length; j++) c->offsets[j] -= len;
        c->data_len -= len;
    }
    return 0;
}

int lance_rows_columns(const cdx_rows *r, lance_column **cols, cdx_error *err)
{
    lance_column *c = calloc(r->ncols + 1, sizeof *c);
    if (!c) return cdx_fail(err, CDX_ENOMEM, "rows: out of memory");
    int rc = 0;
    for (size_t i = 0; !rc && i < r->ncols; i++) {
        if (r->set[i]) {
            c[i] = r->cols[i];
            continue;
        }
        if (!r->fields[i].nullable) {
            rc = cdx_fail(err, CDX_EINVAL, "rows: non-nullable column '%s' not set",
                          r->fields[i].name);
            break;
        }
        rc = lance_column_alloc(&c[i], r->fields[i].type, r->fields[i].dim, r->rows, err);
        if (!rc) rc = lance_column_alloc_validity(&c[i], err);
        if (!rc) memset(c[i].validity, 0, (size_t)(r->rows + 7) / 8);
    }
    if (rc) {
        lance_rows_columns_free(r, c);
        return rc;
    }
    *cols = c;
    return 0;
}

void lance_rows_columns_free(const cdx_rows *r, lance_column *cols)
{
    if (!cols) return;
    for (size_t i = 0; i < r->ncols; i++)
        if (!r->set[i]) lance_column_free(&cols[i]);
    free(cols);
}
