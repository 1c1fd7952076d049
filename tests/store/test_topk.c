/*
 * test_topk.c — the bounded heap: for every k its sorted output equals the first k of a full
 * sort by (distance, row), ties included, and merging per-thread heaps changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "store/topk.h"

static int hit_cmp(const void *pa, const void *pb) {
    const store_hit *a = pa, *b = pb;
    if (store_hit_before(a->distance, a->row, b->distance, b->row)) return -1;
    if (store_hit_before(b->distance, b->row, a->distance, a->row)) return 1;
    return 0;
}

static void make_hits(store_hit *h, size_t n, unsigned seed, int coarse) {
    srand(seed);
    for (size_t i = 0; i < n; i++) {
        h[i].row = i;
        /* coarse: only 8 distinct distances, so ties decide most places */
        h[i].distance = coarse ? (float)(rand() % 8) : (float)rand() / (float)RAND_MAX;
    }
}

static void check_against_sort(size_t n, size_t k, int coarse) {
    /* + 1: n may be 0, and malloc(0) may return NULL */
    store_hit *all = malloc((n + 1) * sizeof *all), *sorted = malloc((n + 1) * sizeof *sorted);
    store_hit *got = malloc((k + 1) * sizeof *got);
    assert_non_null(all);
    assert_non_null(sorted);
    assert_non_null(got);
    make_hits(all, n, (unsigned)(n * 31 + k), coarse);
    for (size_t i = 0; i < n; i++) sorted[i] = all[i];
    qsort(sorted, n, sizeof *sorted, hit_cmp);
    store_topk t;
    assert_int_equal(store_topk_init(&t, k, NULL), CDX_OK);
    /* push in reverse so row order and arrival order disagree */
    for (size_t i = n; i-- > 0;) store_topk_push(&t, all[i].distance, all[i].row);
    size_t m = store_topk_take_sorted(&t, got);
    assert_int_equal(m, k < n ? k : n);
    for (size_t i = 0; i < m; i++) {
        assert_int_equal(got[i].row, sorted[i].row);
        assert_true(got[i].distance == sorted[i].distance);
    }
    store_topk_free(&t);
    free(all);
    free(sorted);
    free(got);
}

static void test_topk_equals_full_sort(void **state) {
    (void)state;
    const size_t ns[] = {0, 1, 2, 10, 100, 1000, 5000};
    const size_t ks[] = {0, 1, 2, 3, 10, 100, 2000};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        for (size_t j = 0; j < sizeof ks / sizeof *ks; j++) {
            check_against_sort(ns[i], ks[j], 0);
            check_against_sort(ns[i], ks[j], 1);
        }
}

static void test_ties_go_to_smaller_row(void **state) {
    (void)state;
    store_topk t;
    store_hit got[3];
    assert_int_equal(store_topk_init(&t, 3, NULL), CDX_OK);
    const uint64_t rows[] = {9, 4, 7, 1, 8, 3};
    for (int i = 0; i < 6; i++) store_topk_push(&t, 0.5f, rows[i]);
    assert_int_equal(store_topk_take_sorted(&t, got), 3);
    assert_int_equal(got[0].row, 1);
    assert_int_equal(got[1].row, 3);
    assert_int_equal(got[2].row, 4);
    store_topk_free(&t);
}

static void test_merge_of_split_heaps_equals_one_heap(void **state) {
    (void)state;
    enum { N = 3000, K = 25 };
    store_hit all[N], one[K], merged[K];
    make_hits(all, N, 7, 1);
    store_topk a, b, c;
    assert_int_equal(store_topk_init(&a, K, NULL), CDX_OK);
    assert_int_equal(store_topk_init(&b, K, NULL), CDX_OK);
    assert_int_equal(store_topk_init(&c, K, NULL), CDX_OK);
    for (int i = 0; i < N; i++) {
        store_topk_push(&a, all[i].distance, all[i].row);
        store_topk_push(i % 3 ? &b : &c, all[i].distance, all[i].row);
    }
    store_topk_merge(&b, &c);
    assert_int_equal(store_topk_take_sorted(&a, one), K);
    assert_int_equal(store_topk_take_sorted(&b, merged), K);
    for (int i = 0; i < K; i++) assert_int_equal(one[i].row, merged[i].row);
    store_topk_free(&a);
    store_topk_free(&b);
    store_topk_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topk_equals_full_sort),
        cmocka_unit_test(test_ties_go_to_smaller_row),
        cmocka_unit_test(test_merge_of_split_heaps_equals_one_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
