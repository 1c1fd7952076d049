/*
 * test_table_views.c — zero-copy reads (datafile.c views, table_cache.c, scan.c windows,
 * table_search.c over cached pages) on tables of several 8 MiB pages: page views equal the
 * owned copies and the written values (2.1 and 2.0 files); scans yield every row once, in order,
 * with the right row ids, also after deletions and interleaved with another scan; table search
 * equals store_flat_search over the scanned matrix, with 1 and 2 threads and on repeat.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clipdex.h"
#include "lance/datafile.h"
#include "store/flat_search.h"
#include "support.h"

#define DIM 768
#define ROWS 6000 /* 18 MB of vectors: three pages at the writer's 8 MiB */

static const cdx_field fields[] = {
    {"file_id", CDX_COLUMN_INT64, 0, 0},
    {"file_name", CDX_COLUMN_UTF8, 0, 0},
    {"vector", CDX_COLUMN_VECTOR_F32, DIM, 0},
};

static float vec_value(int64_t id, uint32_t j) { return (float)id + (float)j / 1000.0f; }

static void add_rows(cdx_table *t, int64_t start, size_t n) {
    cdx_error err = {0};
    cdx_rows *r = NULL;
    int64_t *ids = malloc(n * sizeof *ids);
    char **names = malloc(n * sizeof *names);
    float *vec = malloc(n * DIM * sizeof *vec);
    for (size_t i = 0; i < n; i++) {
        ids[i] = start + (int64_t)i;
        names[i] = malloc(32);
        snprintf(names[i], 32, "img_%lld.png", (long long)ids[i]);
        for (uint32_t j = 0; j < DIM; j++) vec[i * DIM + j] = vec_value(ids[i], j);
    }
    assert_int_equal(cdx_rows_new(t, &r, &err), CDX_OK);
    assert_int_equal(cdx_rows_set_int64(r, "file_id", ids, n, &err), CDX_OK);
    assert_int_equal(cdx_rows_set_utf8(r, "file_name", (const char *const *)names, n, &err),
                     CDX_OK);
    assert_int_equal(cdx_rows_set_vector_f32(r, "vector", vec, n, &err), CDX_OK);
    int rc = cdx_table_add(t, r, &err);
    if (rc) fail_msg("add: %s", err.message);
    cdx_rows_free(r);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(ids);
    free(names);
    free(vec);
}

static cdx_table *make_table(const char *db, const char *name, const char *storage) {
    cdx_table *t = NULL;
    cdx_error err = {0};
    int rc = cdx_table_create(db, name, fields, 3, CDX_CREATE, storage, &t, &err);
    if (rc) fail_msg("create: %s", err.message);
    add_rows(t, 0, ROWS);
    return t;
}

/* The path of the only data file of table `name`. */
static char *only_data_file(const char *db, const char *name) {
    char dir[1024], *path = NULL;
    snprintf(dir, sizeof dir, "%s/%s.lance/data", db, name);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        count++;
        free(path);
        path = malloc(strlen(dir) + strlen(e->d_name) + 2);
        sprintf(path, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    assert_int_equal(count, 1);
    return path;
}

static void check_views(const char *db, const char *name, const char *storage) {
    cdx_table *t = make_table(db, name, storage);
    cdx_table_close(t);
    char *path = only_data_file(db, name);
    lance_datafile *df = NULL;
    cdx_error err = {0};
    assert_int_equal(lance_datafile_open(path, &df, &err), CDX_OK);
    lance_column *pages = NULL, whole = {0};
    size_t npages = 0;
    assert_int_equal(lance_datafile_read_pages(df, 2, LANCE_TYPE_FSL_F32, DIM, &pages, &npages,
                                               &err), CDX_OK);
    assert_true(npages >= 2);
    assert_int_equal(lance_datafile_read_column(df, 2, LANCE_TYPE_FSL_F32, DIM, &whole, &err),
                     CDX_OK);
    assert_false(whole.borrowed);
    assert_int_equal(whole.length, ROWS);
    uint64_t row = 0;
    for (size_t p = 0; p < npages; p++) {
        assert_true(pages[p].borrowed); /* flat vectors without nulls are views */
        assert_null(pages[p].validity);
        assert_int_equal((uintptr_t)pages[p].values % 4, 0);
        const float *v = pages[p].values;
        assert_memory_equal(v, (const float *)whole.values + row * DIM,
                            pages[p].length * DIM * sizeof(float));
        for (uint64_t r = 0; r < pages[p].length; r++)
            for (uint32_t j = 0; j < DIM; j += 97)
                assert_true(v[r * DIM + j] == vec_value((int64_t)(row + r), j));
        row += pages[p].length;
    }
    assert_int_equal(row, ROWS);
    /* A view made owned keeps its values after the file is gone. */
    lance_column own = pages[npages - 1];
    assert_int_equal(lance_column_own(&own, &err), CDX_OK);
    memset(&pages[npages - 1], 0, sizeof pages[0]); /* `own` holds it now */
    lance_datafile_free_pages(pages, npages);
    lance_datafile_close(df);
    assert_true(((const float *)own.values)[0] == vec_value((int64_t)(ROWS - own.length), 0));
    lance_column_free(&own);
    lance_column_free(&whole);
    free(path);
}

static void test_flat_pages_are_views_equal_to_copies_v21(void **state) {
    (void)state;
    char *db = make_temp_dir();
    check_views(db, "v21", NULL);
    remove_tree(db);
    free(db);
}

static void test_flat_pages_are_views_equal_to_copies_v20(void **state) {
    (void)state;
    char *db = make_temp_dir();
    check_views(db, "v20", "2.0");
    remove_tree(db);
    free(db);
}

/* Scans t and checks each row against its id; returns the ids in scan order (n of them). */
static int64_t *scan_check(const cdx_table *t, size_t *n, size_t *batches, float **matrix) {
    cdx_scan *s = NULL;
    cdx_error err = {0};
    const cdx_batch *b;
    int64_t *ids = malloc((cdx_table_num_rows(t) + 1) * sizeof *ids);
    *matrix = malloc((cdx_table_num_rows(t) + 1) * DIM * sizeof **matrix);
    *n = *batches = 0;
    assert_int_equal(cdx_scan_open(t, &s, &err), CDX_OK);
    while (!cdx_scan_next(s, &b, &err) && b) {
        const int64_t *id = cdx_batch_int64(b, 0);
        const float *v = cdx_batch_float32(b, 2);
        (*batches)++;
        for (uint64_t r = 0; r < cdx_batch_num_rows(b); r++) {
            char want[32];
            size_t len = 0;
            snprintf(want, sizeof want, "img_%lld.png", (long long)id[r]);
            const char *nm = cdx_batch_utf8(b, 1, r, &len);
            assert_int_equal(len, strlen(want));
            assert_memory_equal(nm, want, len);
            assert_false(cdx_batch_is_null(b, 2, r));
            /* ids were written in order, one fragment per add of ROWS rows */
            assert_int_equal(cdx_batch_row_id(b, r),
                             (uint64_t)(id[r] / ROWS) << 32 | (uint64_t)(id[r] % ROWS));
            for (uint32_t j = 0; j < DIM; j++) assert_true(v[r * DIM + j] == vec_value(id[r], j));
            memcpy(*matrix + *n * DIM, v + r * DIM, DIM * sizeof(float));
            ids[(*n)++] = id[r];
        }
    }
    cdx_scan_close(s);
    assert_int_equal(*n, cdx_table_num_rows(t));
    return ids;
}

/* cdx_table_search equals store_flat_search over the scanned matrix (positions = scan order). */
static void check_search(const cdx_table *t, const float *matrix, size_t n) {
    float q[DIM];
    for (uint32_t j = 0; j < DIM; j++) q[j] = (float)((j * 37) % 11) / 3.0f + 2000.0f;
    cdx_metric metrics[] = {CDX_METRIC_L2, CDX_METRIC_COSINE, CDX_METRIC_DOT};
    for (size_t m = 0; m < 3; m++) {
        store_hit want[10];
        size_t nwant = 0;
        cdx_error err = {0};
        assert_int_equal(store_flat_search(matrix, n, DIM, NULL, q, metrics[m], 10, 1, want,
                                           &nwant, &err), CDX_OK);
        for (int threads = 1; threads <= 2; threads++) {
            for (int repeat = 0; repeat < 2; repeat++) {
                cdx_search_hit *hits = NULL;
                size_t count = 0;
                assert_int_equal(cdx_table_search(t, "vector", q, DIM, metrics[m], 10, threads,
                                                  &hits, &count, &err), CDX_OK);
                assert_int_equal(count, nwant);
                for (size_t i = 0; i < count; i++) {
                    assert_int_equal(hits[i].position, want[i].row);
                    assert_true(hits[i].distance == want[i].distance);
                }
                cdx_search_hits_free(hits);
            }
        }
    }
}

static void test_scan_and_search_many_pages_and_fragments(void **state) {
    (void)state;
    char *db = make_temp_dir();
    cdx_table *t = make_table(db, "multi", NULL);
    add_rows(t, ROWS, ROWS); /* a second fragment */
    size_t n, batches;
    float *matrix;
    int64_t *ids = scan_check(t, &n, &batches, &matrix);
    assert_true(batches >= 6); /* one per page window */
    for (size_t i = 0; i < n; i++) assert_int_equal(ids[i], (int64_t)i);
    check_search(t, matrix, n);
    free(ids);
    free(matrix);

    /* Deletions: those fragments come compacted; search skips the deleted rows. */
    int64_t del[] = {0, 1, 2729, 2730, 5999, 6001, 9000};
    cdx_error err = {0};
    uint64_t deleted = 0;
    int rc = cdx_table_delete_ids(t, "file_id", del, 7, &deleted, &err);
    if (rc) fail_msg("delete: %s", err.message);
    ids = scan_check(t, &n, &batches, &matrix);
    assert_int_equal(n, 2 * ROWS - 7);
    for (size_t i = 1; i < n; i++) assert_true(ids[i] > ids[i - 1]);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 7; k++) assert_true(ids[i] != del[k]);
    check_search(t, matrix, n);
    free(ids);
    free(matrix);
    cdx_table_close(t);
    remove_tree(db);
    free(db);
}

/* A batch stays valid and unchanged while another scan of the same table advances. */
static void test_scan_batch_survives_other_scans(void **state) {
    (void)state;
    char *db = make_temp_dir();
    cdx_table *t = make_table(db, "life", NULL);
    cdx_scan *a = NULL, *b = NULL;
    cdx_error err = {0};
    const cdx_batch *ba, *bb;
    assert_int_equal(cdx_scan_open(t, &a, &err), CDX_OK);
    assert_int_equal(cdx_scan_open(t, &b, &err), CDX_OK);
    assert_int_equal(cdx_scan_next(a, &ba, &err), CDX_OK);
    assert_non_null(ba);
    uint64_t rows = cdx_batch_num_rows(ba), seen = 0;
    while (!cdx_scan_next(b, &bb, &err) && bb) seen += cdx_batch_num_rows(bb);
    assert_int_equal(seen, ROWS);
    cdx_scan_close(b);
    const float *v = cdx_batch_float32(ba, 2);
    const int64_t *id = cdx_batch_int64(ba, 0);
    for (uint64_t r = 0; r < rows; r++) {
        assert_int_equal(id[r], (int64_t)r);
        assert_true(v[r * DIM + 5] == vec_value((int64_t)r, 5));
    }
    cdx_scan_close(a);
    cdx_table_close(t);
    remove_tree(db);
    free(db);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_pages_are_views_equal_to_copies_v21),
        cmocka_unit_test(test_flat_pages_are_views_equal_to_copies_v20),
        cmocka_unit_test(test_scan_and_search_many_pages_and_fragments),
        cmocka_unit_test(test_scan_batch_survives_other_scans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
