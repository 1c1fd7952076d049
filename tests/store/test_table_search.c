/*
 * test_table_search.c — cdx_table_search on the LanceDB 0.31 fixtures: hits and `_distance`
 * equal a full sort of the distances computed in double from the fixture formula
 * vector[j] = (float)(i + j/1000.0); deleted rows and null vectors never come back; row ids and
 * positions name the right rows; 1 and 2 threads agree; bad arguments fail with a message.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clipdex.h"
#include "support.h"

#define REL_TOL 1e-5

static cdx_table *open_fixture(const char *name) {
    cdx_table *t = NULL;
    cdx_error err = {0};
    int rc = cdx_table_open(fixture_path("lancedb-0.31/db"), name, 0, &t, &err);
    if (rc) fail_msg("%s: %s", name, err.message);
    return t;
}

static float formula(long i, size_t j) { return (float)((double)i + (double)j / 1000.0); }

/* LanceDB's _distance in double from the float32 values of row i and query q. */
static double reference_distance(long i, const float *q, size_t dim, cdx_metric metric) {
    double dot = 0, vv = 0, qq = 0, l2 = 0;
    for (size_t j = 0; j < dim; j++) {
        double v = formula(i, j), d = v - q[j];
        dot += v * q[j];
        vv += v * v;
        qq += (double)q[j] * q[j];
        l2 += d * d;
    }
    if (metric == CDX_METRIC_L2) return l2;
    if (metric == CDX_METRIC_DOT) return 1.0 - dot;
    return 1.0 - dot / (sqrt(vv) * sqrt(qq));
}

static int dcmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The file_id of every live row, by position (scan order), read with the scan API; -1 = null. */
static int64_t *file_ids_by_position(const cdx_table *t, size_t *n) {
    long col = cdx_table_column_index(t, "file_id");
    assert_true(col >= 0);
    int64_t *ids = malloc((cdx_table_num_rows(t) + 1) * sizeof *ids);
    cdx_scan *s = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_scan_open(t, &s, &err), CDX_OK);
    const cdx_batch *b;
    *n = 0;
    while (cdx_scan_next(s, &b, &err) == CDX_OK && b) {
        const int64_t *v = cdx_batch_int64(b, (size_t)col);
        for (uint64_t r = 0; r < cdx_batch_num_rows(b); r++)
            ids[(*n)++] = cdx_batch_is_null(b, (size_t)col, r) ? -1 : v[r];
    }
    cdx_scan_close(s);
    return ids;
}

/* Searches and checks against the reference: same sorted distances, each hit's distance equal to
 * its own row's, row id and position naming the same row, excluded rows absent. live(i) says
 * whether row i can be returned; rows_per_fragment maps i to its row id. */
static void check_search(const char *table, long nrows, size_t dim, const float *q,
                         cdx_metric metric, size_t k, int (*live)(long), long rows_per_fragment) {
    cdx_table *t = open_fixture(table);
    double *ref = malloc((size_t)nrows * sizeof *ref);
    size_t nref = 0;
    for (long i = 0; i < nrows; i++)
        if (live(i)) ref[nref++] = reference_distance(i, q, dim, metric);
    qsort(ref, nref, sizeof *ref, dcmp);
    size_t npos = 0;
    int64_t *ids = file_ids_by_position(t, &npos);
    cdx_search_hit *first = NULL;
    size_t first_count = 0;
    for (int threads = 1; threads <= 2; threads++) {
        cdx_search_hit *hits = NULL;
        size_t count = 0;
        cdx_error err = {0};
        int rc = cdx_table_search(t, NULL, q, dim, metric, k, threads, &hits, &count, &err);
        if (rc) fail_msg("%s: %s", table, err.message);
        assert_int_equal(count, k < nref ? k : nref);
        for (size_t h = 0; h < count; h++) {
            long i = (long)(hits[h].row_id >> 32) * rows_per_fragment +
                     (long)(hits[h].row_id & 0xffffffffu);
            assert_true(live(i));
            assert_true(hits[h].position < npos);
            if (ids[hits[h].position] >= 0) assert_int_equal(ids[hits[h].position], i);
            double want = reference_distance(i, q, dim, metric);
            double tol = REL_TOL * fmax(1.0, fabs(want));
            if (fabs(hits[h].distance - want) > tol || fabs(hits[h].distance - ref[h]) > tol)
                fail_msg("%s %s hit %zu (row %ld): %.9g, want %.9g (sorted %.9g)", table,
                         cdx_metric_name(metric), h, i, (double)hits[h].distance, want, ref[h]);
            if (h) assert_true(hits[h - 1].distance <= hits[h].distance);
        }
        if (threads == 1) {
            first = hits;
            first_count = count;
        } else {
            assert_int_equal(count, first_count);
            for (size_t h = 0; h < count; h++) {
                assert_int_equal(hits[h].row_id, first[h].row_id);
                assert_int_equal(hits[h].position, first[h].position);
                assert_true(hits[h].distance == first[h].distance);
            }
            cdx_search_hits_free(hits);
        }
    }
    cdx_search_hits_free(first);
    free(ids);
    free(ref);
    cdx_table_close(t);
}

static int all_live(long i) { (void)i; return 1; }
static int multi_live(long i) { return i % 10 != 3; }   /* t8_v21_multi deleted file_id % 10 = 3 */
static int nulls_live(long i) { return i != 7; }        /* t8_nulls_v21: vector null at row 7 */
static int vec768_nulls_live(long i) { return i != 3; } /* enc_vec768_nulls_v21: null at row 3 */

static void fill_formula(float *q, long i, size_t dim) {
    for (size_t j = 0; j < dim; j++) q[j] = formula(i, j);
}

static void test_search_never_returns_deleted_rows_multi_fragment(void **state) {
    (void)state;
    float q[8];
    fill_formula(q, 3, 8); /* row 3 itself is deleted */
    for (int m = 0; m < 3; m++) {
        check_search("t8_v21_multi", 150, 8, q, (cdx_metric)m, 10, multi_live, 100);
        check_search("t8_v21_multi", 150, 8, q, (cdx_metric)m, 200, multi_live, 100);
    }
    fill_formula(q, 143, 8); /* deleted, in fragment 1 */
    check_search("t8_v21_multi", 150, 8, q, CDX_METRIC_L2, 5, multi_live, 100);
}

static void test_search_768_full_zip_matches_formula_distances(void **state) {
    (void)state;
    float q[768];
    fill_formula(q, 7, 768);
    q[5] = -3.0f; /* not a table row, so cosine and dot are not degenerate */
    for (int m = 0; m < 3; m++) {
        check_search("t768_v21", 20, 768, q, (cdx_metric)m, 10, all_live, 1 << 30);
        check_search("t768_v20", 20, 768, q, (cdx_metric)m, 20, all_live, 1 << 30);
    }
}

static void test_search_never_returns_null_vectors(void **state) {
    (void)state;
    float q[768] = {0};
    /* A null vector's slot holds zeros: an all-zero query would put it first under L2. */
    check_search("t8_nulls_v21", 10, 8, q, CDX_METRIC_L2, 10, nulls_live, 1 << 30);
    check_search("t8_nulls_v20", 10, 8, q, CDX_METRIC_L2, 10, nulls_live, 1 << 30);
    check_search("enc_vec768_nulls_v21", 10, 768, q, CDX_METRIC_L2, 10, vec768_nulls_live,
                 1 << 30);
    fill_formula(q, 3, 768);
    check_search("enc_vec768_nulls_v21", 10, 768, q, CDX_METRIC_DOT, 3, vec768_nulls_live,
                 1 << 30);
}

static void test_search_k_zero_gives_no_hits(void **state) {
    (void)state;
    cdx_table *t = open_fixture("t8_v21");
    float q[8] = {0};
    cdx_search_hit *hits = NULL;
    size_t count = 99;
    cdx_error err = {0};
    assert_int_equal(cdx_table_search(t, "vector", q, 8, CDX_METRIC_L2, 0, 1, &hits, &count,
                                      &err), CDX_OK);
    assert_int_equal(count, 0);
    cdx_search_hits_free(hits);
    cdx_table_close(t);
}

static void test_search_bad_arguments_fail_with_message(void **state) {
    (void)state;
    cdx_table *t = open_fixture("t8_v21");
    float q[16] = {0};
    cdx_search_hit *hits = NULL;
    size_t count = 0;
    cdx_error err = {0};
    assert_int_equal(cdx_table_search(t, NULL, q, 16, CDX_METRIC_L2, 5, 1, &hits, &count, &err),
                     CDX_EINVAL);
    assert_non_null(strstr(err.message, "16 dimensions"));
    assert_int_equal(cdx_table_search(t, "nope", q, 8, CDX_METRIC_L2, 5, 1, &hits, &count, &err),
                     CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "nope"));
    assert_int_equal(cdx_table_search(t, "file_name", q, 8, CDX_METRIC_L2, 5, 1, &hits, &count,
                                      &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "not a float32 vector"));
    assert_int_equal(cdx_table_search(t, NULL, q, 8, (cdx_metric)9, 5, 1, &hits, &count, &err),
                     CDX_EINVAL);
    assert_null(hits);
    cdx_table_close(t);
    t = open_fixture("enc_ints_v21");
    assert_int_equal(cdx_table_search(t, NULL, q, 8, CDX_METRIC_L2, 5, 1, &hits, &count, &err),
                     CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "no vector column"));
    cdx_table_close(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_never_returns_deleted_rows_multi_fragment),
        cmocka_unit_test(test_search_768_full_zip_matches_formula_distances),
        cmocka_unit_test(test_search_never_returns_null_vectors),
        cmocka_unit_test(test_search_k_zero_gives_no_hits),
        cmocka_unit_test(test_search_bad_arguments_fail_with_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
