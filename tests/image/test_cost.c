/*
 * test_cost.c — Jina's token bill (1,000 tokens per started 224x224 tile, overflow-safe) and
 * Pillow's thumbnail size rule (expected sizes from Pillow 9.4's Image.thumbnail).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <cmocka.h>

#include "clipdex.h"

static void test_tokens_count_started_tiles(void **state) {
    (void)state;
    assert_int_equal(cdx_jina_image_tokens(1, 1), 1000);
    assert_int_equal(cdx_jina_image_tokens(224, 224), 1000);
    assert_int_equal(cdx_jina_image_tokens(225, 224), 2000);
    assert_int_equal(cdx_jina_image_tokens(448, 449), 6000);
    assert_int_equal(cdx_jina_image_tokens(4000, 3000), 18 * 14 * 1000);
    assert_int_equal(cdx_jina_image_tokens(0, 10), 0);
    assert_int_equal(cdx_jina_image_tokens(-5, 10), 0);
}

static void test_tokens_do_not_overflow_at_int_max(void **state) {
    (void)state;
    const int64_t tiles = INT_MAX / 224 + 1;
    assert_true(cdx_jina_image_tokens(INT_MAX, INT_MAX) == tiles * tiles * 1000);
}

static void test_thumbnail_sizes_match_pillow(void **state) {
    (void)state;
    /* {w, h, size, Pillow's thumbnail size} */
    static const int cases[][5] = {
        {1024, 768, 224, 224, 168}, {333, 222, 224, 224, 149}, {330, 250, 224, 224, 170},
        {600, 1000, 224, 134, 224}, {4000, 10, 224, 224, 1},   {10, 3000, 224, 1, 224},
        {224, 224, 224, 224, 224},  {100, 50, 224, 100, 50},   {225, 224, 224, 224, 223},
        {1, 1000, 224, 1, 224},     {1000, 1, 224, 224, 1},    {3000, 2999, 224, 224, 224},
        {299, 300, 224, 223, 224},  {4000, 3000, 224, 224, 168},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int tw = -1, th = -1;
        cdx_thumbnail_size(cases[i][0], cases[i][1], cases[i][2], &tw, &th);
        assert_int_equal(tw, cases[i][3]);
        assert_int_equal(th, cases[i][4]);
    }
}

static void test_thumbnail_size_of_nothing_is_zero(void **state) {
    (void)state;
    int tw = -1, th = -1;
    cdx_thumbnail_size(0, 10, 224, &tw, &th);
    assert_int_equal(tw, 0);
    assert_int_equal(th, 0);
    cdx_thumbnail_size(10, 10, 0, &tw, &th);
    assert_int_equal(tw, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_count_started_tiles),
        cmocka_unit_test(test_tokens_do_not_overflow_at_int_max),
        cmocka_unit_test(test_thumbnail_sizes_match_pillow),
        cmocka_unit_test(test_thumbnail_size_of_nothing_is_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
