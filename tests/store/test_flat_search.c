/*
 * test_flat_search.c — exact search: results equal a full sort of the scalar distances, are
 * identical with 1, 2 and 3 threads, never include deleted (skip-masked) or NaN rows, and bad
 * arguments fail with a message instead of crashing. test_worker_pool_* runs the pool alone.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/flat_search.h"

enum { N = 5000, DIM = 37, K = 50 };

static float *make_matrix(size_t n, size_t dim, unsigned seed) {
    float *m = malloc(n * dim * sizeof *m);
    srand(seed);
    for (size_t i = 0; i < n * dim; i++) m[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    return m;
}

static int hit_cmp(const void *pa, const void *pb) {
    const store_hit *a = pa, *b = pb;
    if (store_hit_before(a->distance, a->row, b->distance, b->row)) return -1;
    if (store_hit_before(b->distance, b->row, a->distance, a->row)) return 1;
    return 0;
}

/* Reference: scalar distances of every kept row, fully sorted. Returns the kept count. */
static size_t reference_sorted(const float *m, size_t n, size_t dim, const uint8_t *skip,
                               const float *q, cdx_metric metric, store_hit *out) {
    const store_kernels *k = store_kernels_scalar();
    store_query sq;
    store_query_init(&sq, k, q, dim, metric);
    size_t kept = 0;
    for (size_t r = 0; r < n; r++) {
        float d;
        store_distance_rows(k, &sq, m + r * dim, 1, &d);
        if ((skip && skip[r]) || isnan(d)) continue;
        out[kept++] = (store_hit){r, d};
    }
    qsort(out, kept, sizeof *out, hit_cmp);
    return kept;
}

static void test_flat_search_equals_full_sort_for_every_metric(void **state) {
    (void)state;
    float *m = make_matrix(N, DIM, 1), *q = make_matrix(1, DIM, 2);
    store_hit *ref = malloc(N * sizeof *ref), got[K];
    for (int metric = 0; metric < 3; metric++) {
        size_t kept = reference_sorted(m, N, DIM, NULL, q, (cdx_metric)metric, ref);
        size_t count = 0;
        cdx_error err = {0};
        assert_int_equal(store_flat_search(m, N, DIM, NULL, q, (cdx_metric)metric, K, 2, got,
                                           &count, &err), CDX_OK);
        assert_int_equal(count, K);
        assert_int_equal(kept, N);
        for (size_t i = 0; i < K; i++) {
            assert_int_equal(got[i].row, ref[i].row);
            assert_float_equal(got[i].distance, ref[i].distance, 1e-5);
        }
    }
    free(ref);
    free(m);
    free(q);
}

static void test_threads_1_2_3_give_identical_results(void **state) {
    (void)state;
    float *m = make_matrix(N, 768, 3), *q = make_matrix(1, 768, 4);
    /* duplicate rows make exact ties that thread splits must not reorder */
    for (int r = 100; r < 4000; r += 97) memcpy(m + (size_t)r * 768, m, 768 * sizeof(float));
    memcpy(q, m, 768 * sizeof(float));
    for (int metric = 0; metric < 3; metric++) {
        store_hit h1[K], hn[K];
        size_t c1, cn;
        assert_int_equal(store_flat_search(m, N, 768, NULL, q, (cdx_metric)metric, K, 1, h1, &c1,
                                           NULL), CDX_OK);
        for (int threads = 2; threads <= 3; threads++) {
            assert_int_equal(store_flat_search(m, N, 768, NULL, q, (cdx_metric)metric, K, threads,
                                               hn, &cn, NULL), CDX_OK);
            assert_int_equal(cn, c1);
            /* field by field: store_hit has padding bytes that carry no meaning */
            for (size_t i = 0; i < c1; i++) {
                assert_int_equal(hn[i].row, h1[i].row);
                assert_memory_equal(&hn[i].distance, &h1[i].distance, sizeof h1[i].distance);
            }
        }
    }
    free(m);
    free(q);
}

static void test_deleted_and_nan_rows_are_never_returned(void **state) {
    (void)state;
    float *m = make_matrix(N, DIM, 5), *q = make_matrix(1, DIM, 6);
    uint8_t *skip = calloc(N, 1);
    for (size_t r = 0; r < N; r += 3) skip[r] = 1;
    /* the query itself, copied into a deleted row, must not come back */
    memcpy(m + 30 * DIM, q, DIM * sizeof(float));
    m[31 * DIM + 5] = NAN;
    store_hit *ref = malloc(N * sizeof *ref), got[N];
    for (int metric = 0; metric < 3; metric++) {
        size_t kept = reference_sorted(m, N, DIM, skip, q, (cdx_metric)metric, ref), count;
        assert_int_equal(store_flat_search(m, N, DIM, skip, q, (cdx_metric)metric, N, 2, got,
                                           &count, NULL), CDX_OK);
        assert_int_equal(count, kept);
        assert_int_equal(count, N - (N + 2) / 3 - 1);
        /* all kept rows come back; near-ties may swap between SIMD and scalar sums */
        uint8_t *seen = calloc(N, 1);
        for (size_t i = 0; i < count; i++) {
            assert_false(skip[got[i].row]);
            assert_int_not_equal(got[i].row, 31);
            assert_float_equal(got[i].distance, ref[i].distance, 1e-5);
            seen[got[i].row]++;
        }
        for (size_t i = 0; i < kept; i++) assert_int_equal(seen[ref[i].row], 1);
        free(seen);
    }
    free(ref);
    free(skip);
    free(m);
    free(q);
}

static void test_every_kernel_level_finds_the_same_rows(void **state) {
    (void)state;
    float *m = make_matrix(2000, 769, 7), *q = make_matrix(1, 769, 8);
    for (int metric = 0; metric < 3; metric++) {
        store_hit base[10], h[10];
        size_t cb, c;
        assert_int_equal(store_flat_search_with(store_kernels_scalar(), NULL, m, 2000, 769, NULL, q,
                                                (cdx_metric)metric, 10, base, &cb, NULL), CDX_OK);
        for (int lvl = 1; lvl <= 2; lvl++) {
            const store_kernels *k = store_kernels_for((store_simd)lvl);
            if (!k) continue;
            assert_int_equal(store_flat_search_with(k, NULL, m, 2000, 769, NULL, q,
                                                    (cdx_metric)metric, 10, h, &c, NULL), CDX_OK);
            assert_int_equal(c, cb);
            for (size_t i = 0; i < c; i++) {
                assert_int_equal(h[i].row, base[i].row);
                assert_float_equal(h[i].distance, base[i].distance, 1e-5);
            }
        }
    }
    free(m);
    free(q);
}

static void test_small_and_empty_inputs(void **state) {
    (void)state;
    float m[3 * 2] = {0, 1, 1, 0, 1, 1}, q[2] = {1, 0};
    store_hit h[8];
    size_t c = 99;
    assert_int_equal(store_flat_search(m, 3, 2, NULL, q, CDX_METRIC_L2, 8, 0, h, &c, NULL), CDX_OK);
    assert_int_equal(c, 3);
    assert_int_equal(h[0].row, 1);
    assert_float_equal(h[0].distance, 0.0f, 0);
    assert_int_equal(store_flat_search(m, 0, 2, NULL, q, CDX_METRIC_L2, 8, 2, h, &c, NULL), CDX_OK);
    assert_int_equal(c, 0);
    assert_int_equal(store_flat_search(m, 3, 2, NULL, q, CDX_METRIC_L2, 0, 2, NULL, &c, NULL),
                     CDX_OK);
    assert_int_equal(c, 0);
}

static void test_bad_arguments_fail_with_a_message(void **state) {
    (void)state;
    float m[4] = {0}, q[2] = {0};
    store_hit h[2];
    size_t c;
    cdx_error err = {0};
    assert_int_equal(store_flat_search(m, 2, 0, NULL, q, CDX_METRIC_L2, 2, 1, h, &c, &err),
                     CDX_EINVAL);
    assert_non_null(strstr(err.message, "dimension"));
    assert_int_equal(store_flat_search(m, 2, 2, NULL, q, (cdx_metric)9, 2, 1, h, &c, &err),
                     CDX_EINVAL);
    assert_non_null(strstr(err.message, "metric"));
    assert_int_equal(store_flat_search(m, SIZE_MAX / 2, 2, NULL, q, CDX_METRIC_L2, 2, 1, h, &c,
                                       &err), CDX_EINVAL);
    assert_int_equal(store_flat_search(m, 2, 2, NULL, NULL, CDX_METRIC_L2, 2, 1, h, &c, &err),
                     CDX_EINVAL);
}

typedef struct count_ctx {
    int calls[4];
} count_ctx;

static void count_thread(void *ctx, int thread) { ((count_ctx *)ctx)->calls[thread]++; }

static void test_worker_pool_calls_each_thread_once_per_run(void **state) {
    (void)state;
    core_pool *pool;
    assert_int_equal(core_pool_new(4, &pool, NULL), CDX_OK);
    assert_int_equal(core_pool_threads(pool), 4);
    count_ctx ctx = {{0}};
    for (int run = 0; run < 200; run++) core_pool_run(pool, count_thread, &ctx);
    for (int t = 0; t < 4; t++) assert_int_equal(ctx.calls[t], 200);
    core_pool_free(pool);
    assert_int_equal(core_pool_new(0, &pool, NULL), CDX_OK);
    assert_int_equal(core_pool_threads(pool), core_cpu_count());
    core_pool_free(pool);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_search_equals_full_sort_for_every_metric),
        cmocka_unit_test(test_threads_1_2_3_give_identical_results),
        cmocka_unit_test(test_deleted_and_nan_rows_are_never_returned),
        cmocka_unit_test(test_every_kernel_level_finds_the_same_rows),
        cmocka_unit_test(test_small_and_empty_inputs),
        cmocka_unit_test(test_bad_arguments_fail_with_a_message),
        cmocka_unit_test(test_worker_pool_calls_each_thread_once_per_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
