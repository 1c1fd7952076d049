/*
 * table_write_util.h — helpers for the table writer tests: recipe-shaped rows whose values follow
 * from the id (file_id = i, file_name = "img_i.png", vector[j] = i + j/1000, as the LanceDB
 * fixtures), and a full scan that checks every row against its id and returns the sorted ids.
 */
#ifndef CDX_TEST_TABLE_WRITE_UTIL_H
#define CDX_TEST_TABLE_WRITE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clipdex.h"

static const cdx_field tw_recipe8[] = {
    {"file_id", CDX_COLUMN_INT64, 0, 0},
    {"file_name", CDX_COLUMN_UTF8, 0, 0},
    {"vector", CDX_COLUMN_VECTOR_F32, 8, 0},
};

static float tw_vec(int64_t id, uint32_t j) { return (float)id + (float)j / 1000.0f; }

/* Fills r with rows start..start+n-1 of dimension dim; returns 0 or a status. */
static int tw_fill(cdx_rows *r, int64_t start, size_t n, uint32_t dim, cdx_error *err)
{
    int64_t *ids = malloc((n + 1) * sizeof *ids);
    char **names = calloc(n + 1, sizeof *names); /* NULL entries: the cleanup frees them all */
    float *vec = malloc((n * dim + 1) * sizeof *vec);
    int rc = ids && names && vec ? 0 : CDX_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        ids[i] = start + (int64_t)i;
        if (!(names[i] = malloc(32))) {
            rc = CDX_ENOMEM;
            break;
        }
        snprintf(names[i], 32, "img_%lld.png", (long long)ids[i]);
        for (uint32_t j = 0; j < dim; j++) vec[i * dim + j] = tw_vec(ids[i], j);
    }
    if (!rc) rc = cdx_rows_set_int64(r, "file_id", ids, n, err);
    if (!rc) rc = cdx_rows_set_utf8(r, "file_name", (const char *const *)names, n, err);
    if (!rc) rc = cdx_rows_set_vector_f32(r, "vector", vec, n, err);
    for (size_t i = 0; names && i < n; i++) free(names[i]);
    free(ids);
    free(names);
    free(vec);
    return rc;
}

static int tw_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Scans the table, checks each row's name and vector against its id (returns -1 on a mismatch)
 * and stores the sorted ids in *ids (malloc'd; NULL on an early failure); returns the row count. */
static long tw_scan_ids(cdx_table *t, int64_t **ids)
{
    *ids = NULL; /* callers free it whatever the outcome */
    long fid = cdx_table_column_index(t, "file_id"), fname = cdx_table_column_index(t, "file_name"),
         fvec = cdx_table_column_index(t, "vector");
    if (fid < 0 || fname < 0 || fvec < 0) return -1;
    uint32_t dim = cdx_table_column_dim(t, (size_t)fvec);
    cdx_scan *s;
    cdx_error err = {0};
    if (cdx_scan_open(t, &s, &err)) return -1;
    size_t cap = 1024, n = 0;
    int64_t *out = malloc(cap * sizeof *out);
    if (!out) {
        cdx_scan_close(s);
        return -1;
    }
    const cdx_batch *b;
    long bad = 0;
    while (!cdx_scan_next(s, &b, &err) && b) {
        const int64_t *id = cdx_batch_int64(b, (size_t)fid);
        const float *v = cdx_batch_float32(b, (size_t)fvec);
        for (uint64_t r = 0; r < cdx_batch_num_rows(b); r++) {
            char want[32];
            size_t len;
            snprintf(want, sizeof want, "img_%lld.png", (long long)id[r]);
            const char *nm = cdx_batch_utf8(b, (size_t)fname, r, &len);
            if (len != strlen(want) || memcmp(nm, want, len) != 0) bad = 1;
            for (uint32_t j = 0; j < dim; j++)
                if (v[r * dim + j] != tw_vec(id[r], j)) bad = 1;
            if (n == cap) {
                int64_t *grown = realloc(out, (cap *= 2) * sizeof *out);
                if (!grown) {
                    free(out);
                    cdx_scan_close(s);
                    return -1;
                }
                out = grown;
            }
            out[n++] = id[r];
        }
    }
    if (err.code) bad = 1;
    cdx_scan_close(s);
    qsort(out, n, sizeof *out, tw_cmp_i64);
    *ids = out;
    return bad ? -1 : (long)n;
}

/* Whether the sorted ids are exactly lo..hi-1. */
static int tw_ids_range(const int64_t *ids, long n, int64_t lo, int64_t hi)
{
    if (n != hi - lo) return 0;
    for (long i = 0; i < n; i++)
        if (ids[i] != lo + i) return 0;
    return 1;
}

#endif
