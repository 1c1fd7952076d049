/*
 * lance_rows.h — test helper: deterministic rows for the Lance writer tests and tools. Row i of
 * a column is a pure function of (kind, i), so a reader's output can be checked against rows
 * regenerated independently of how they were batched. Nulls: row i is null when
 * nulls_mod && i % nulls_mod == nulls_rem.
 */
#ifndef CDX_TEST_LANCE_ROWS_H
#define CDX_TEST_LANCE_ROWS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lance/column.h"

typedef struct rows_spec {
    lance_type type;
    uint32_t dim;
    uint64_t nulls_mod, nulls_rem;
    int long_strings; /* utf8: every 97th string is 33 000+ bytes, every 7th 300 bytes */
} rows_spec;

static int rows_is_null(const rows_spec *s, uint64_t i)
{
    return s->nulls_mod && i % s->nulls_mod == s->nulls_rem;
}

/* String row i into buf (returns its length); empty for every 5th row. */
static size_t rows_string(const rows_spec *s, uint64_t i, char *buf, size_t cap)
{
    if (i % 5 == 0) return 0;
    size_t n = (size_t)snprintf(buf, cap, "img_%llu.png", (unsigned long long)i);
    size_t want = n;
    if (s->long_strings && i % 97 == 1) want = 33000 + (size_t)(i % 13);
    else if (s->long_strings && i % 7 == 3) want = 300;
    for (size_t k = n; k < want && k < cap; k++) buf[k] = (char)('a' + (i + k) % 26);
    return want < cap ? want : cap;
}

static float rows_float(uint64_t i, uint32_t j) { return (float)i + (float)j / 1000.0f; }

/* Fills `col` (zeroed by the caller) with rows [start, start+n). Aborts on OOM. */
static void rows_fill(const rows_spec *s, uint64_t start, uint64_t n, lance_column *col)
{
    if (lance_column_alloc(col, s->type, s->dim, n, NULL)) abort();
    static char buf[40000];
    if (s->type == LANCE_TYPE_UTF8) {
        size_t total = 0;
        for (uint64_t r = 0; r < n; r++)
            if (!rows_is_null(s, start + r)) total += rows_string(s, start + r, buf, sizeof buf);
        col->data = malloc(total ? total : 1);
        if (!col->data) abort();
        col->data_len = total;
    }
    for (uint64_t r = 0; r < n; r++) {
        uint64_t i = start + r;
        int null = rows_is_null(s, i);
        if (null && lance_column_set_null(col, r, NULL)) abort();
        switch (s->type) {
        case LANCE_TYPE_INT32: ((int32_t *)col->values)[r] = null ? 0 : (int32_t)(i * 5) - 1000; break;
        case LANCE_TYPE_INT64:
            ((int64_t *)col->values)[r] = null ? 0 : (int64_t)i * 3000000000LL - 7;
            break;
        case LANCE_TYPE_FLOAT32: ((float *)col->values)[r] = null ? 0 : (float)i * 0.5f; break;
        case LANCE_TYPE_FLOAT64: ((double *)col->values)[r] = null ? 0 : (double)i / 3.0; break;
        case LANCE_TYPE_FSL_F32:
            for (uint32_t j = 0; j < s->dim; j++)
                ((float *)col->values)[r * s->dim + j] = null ? 0 : rows_float(i, j);
            break;
        case LANCE_TYPE_UTF8: {
            size_t len = null ? 0 : rows_string(s, i, buf, sizeof buf);
            memcpy(col->data + col->offsets[r], buf, len);
            col->offsets[r + 1] = col->offsets[r] + len;
            break;
        }
        }
    }
}

#endif
