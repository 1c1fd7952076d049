/*
 * lance_expect.h — shared checks for the Lance table tests: scan a fixture table and compare it
 * with the deterministic rows its README and expected.json describe (file_id = i,
 * file_name = "img_<i>.png", vector[j] = (float)(i + j/1000)), with per-table null rules.
 */
#ifndef CDX_TEST_LANCE_EXPECT_H
#define CDX_TEST_LANCE_EXPECT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clipdex.h"

/* Which rows hold nulls, per column (return nonzero for null). */
typedef struct expect_nulls {
    int (*file_id)(uint64_t i);
    int (*file_name)(uint64_t i);
    int (*vector)(uint64_t i);
} expect_nulls;

static int expect_never(uint64_t i) { (void)i; return 0; }

/* Scans `t` and checks every live row against the formulas. `row_of(k)` maps the k-th live row
 * to its formula index i (NULL = identity). Returns the number of rows seen. */
static uint64_t expect_scan_formulas(const cdx_table *t, uint32_t dim, const expect_nulls *nulls,
                                     uint64_t (*row_of)(uint64_t k))
{
    cdx_error err = {0};
    long cid = cdx_table_column_index(t, "file_id");
    long cname = cdx_table_column_index(t, "file_name");
    long cvec = cdx_table_column_index(t, "vector");
    assert_true(cid >= 0 && cname >= 0 && cvec >= 0);
    assert_int_equal(cdx_table_column_type(t, (size_t)cid), CDX_COLUMN_INT64);
    assert_int_equal(cdx_table_column_type(t, (size_t)cname), CDX_COLUMN_UTF8);
    assert_int_equal(cdx_table_column_type(t, (size_t)cvec), CDX_COLUMN_VECTOR_F32);
    assert_int_equal(cdx_table_column_dim(t, (size_t)cvec), dim);
    cdx_scan *s;
    assert_int_equal(cdx_scan_open(t, &s, &err), CDX_OK);
    const cdx_batch *b;
    uint64_t k = 0;
    for (;;) {
        int rc = cdx_scan_next(s, &b, &err);
        if (rc) fprintf(stderr, "scan: %s\n", err.message);
        assert_int_equal(rc, CDX_OK);
        if (!b) break;
        const int64_t *ids = cdx_batch_int64(b, (size_t)cid);
        const float *vec = cdx_batch_float32(b, (size_t)cvec);
        assert_non_null(ids);
        assert_non_null(vec);
        for (uint64_t r = 0; r < cdx_batch_num_rows(b); r++, k++) {
            uint64_t i = row_of ? row_of(k) : k;
            char want[64];
            size_t len = 0;
            int null_id = nulls->file_id(i), null_name = nulls->file_name(i);
            int null_vec = nulls->vector(i);
            assert_int_equal(cdx_batch_is_null(b, (size_t)cid, r), null_id);
            if (!null_id) assert_int_equal(ids[r], (int64_t)i);
            assert_int_equal(cdx_batch_is_null(b, (size_t)cname, r), null_name);
            const char *name = cdx_batch_utf8(b, (size_t)cname, r, &len);
            assert_non_null(name);
            snprintf(want, sizeof want, "img_%llu.png", (unsigned long long)i);
            if (!null_name) {
                assert_int_equal(len, strlen(want));
                assert_memory_equal(name, want, len);
            } else {
                assert_int_equal(len, 0);
            }
            assert_int_equal(cdx_batch_is_null(b, (size_t)cvec, r), null_vec);
            if (!null_vec)
                for (uint32_t j = 0; j < dim; j++) {
                    float w = (float)((double)i + (double)j / 1000.0);
                    if (vec[r * dim + j] != w) {
                        fprintf(stderr, "row %llu vector[%u] = %.9g, want %.9g\n",
                                (unsigned long long)i, j, vec[r * dim + j], w);
                        fail();
                    }
                }
        }
    }
    cdx_scan_close(s);
    return k;
}

static cdx_table *expect_open(const char *name, uint64_t version)
{
    cdx_error err = {0};
    cdx_table *t = NULL;
    int rc = cdx_table_open(fixture_path("lancedb-0.31/db"), name, version, &t, &err);
    if (rc) fprintf(stderr, "open %s: %s\n", name, err.message);
    assert_int_equal(rc, CDX_OK);
    return t;
}

#endif
