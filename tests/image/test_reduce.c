/*
 * test_reduce.c — Pillow's reduce() corner cases: partial last row/column/corner blocks, the
 * float `mult` rounding, boxes, and the int32 (mode I) path. Expected values were printed by
 * Pillow 9.4 (Image.reduce) for the same inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "image/resample.h"

static cdx_image *grey(int w, int h, const uint8_t *px) {
    cdx_image *img = img_new(w, h, CDX_MODE_L);
    assert_non_null(img);
    for (int y = 0; y < h; y++) memcpy(img->pixels + (size_t)y * img->stride, px + y * w, (size_t)w);
    return img;
}

static void expect(const cdx_image *img, int w, int h, const uint8_t *want) {
    assert_non_null(img);
    assert_int_equal(img->width, w);
    assert_int_equal(img->height, h);
    for (int y = 0; y < h; y++) assert_memory_equal(img->pixels + (size_t)y * img->stride, want + y * w, (size_t)w);
}

static void test_reduce_partial_blocks_average_what_is_there(void **state) {
    (void)state;
    uint8_t px[15];
    for (int i = 0; i < 15; i++) px[i] = (uint8_t)(i * 17); /* 5x3 */
    cdx_image *img = grey(5, 3, px);
    const int whole[4] = {0, 0, 5, 3}, part[4] = {1, 0, 5, 3};
    cdx_image *r = img_reduce(img, 2, 2, whole);
    expect(r, 3, 2, (const uint8_t[]){51, 85, 111, 179, 213, 238});
    cdx_image_free(r);
    r = img_reduce(img, 3, 2, part);
    expect(r, 2, 2, (const uint8_t[]){76, 111, 204, 238});
    cdx_image_free(r);
    cdx_image_free(img);
}

static void test_reduce_rounding_uses_pillow_multiplier(void **state) {
    (void)state;
    cdx_image *a = grey(2, 2, (const uint8_t[]){255, 254, 255, 255});
    const int b4[4] = {0, 0, 2, 2};
    cdx_image *r = img_reduce(a, 2, 2, b4);
    expect(r, 1, 1, (const uint8_t[]){255});
    cdx_image_free(r);
    cdx_image_free(a);
    cdx_image *c = grey(7, 1, (const uint8_t[]){255, 255, 255, 255, 255, 255, 0});
    const int b7[4] = {0, 0, 7, 1};
    r = img_reduce(c, 7, 1, b7);
    expect(r, 1, 1, (const uint8_t[]){218});
    cdx_image_free(r);
    r = img_reduce(c, 3, 1, b7);
    expect(r, 3, 1, (const uint8_t[]){255, 255, 0});
    cdx_image_free(r);
    cdx_image_free(c);
}

static void test_reduce_mode_I_rounds_in_double(void **state) {
    (void)state;
    cdx_image *img = img_new(3, 2, CDX_MODE_I);
    assert_non_null(img);
    const int32_t v[6] = {1, 2, 4, -7, 100000, 3};
    memcpy(img->pixels, v, 12);
    memcpy(img->pixels + img->stride, v + 3, 12);
    const int box[4] = {0, 0, 3, 2};
    cdx_image *r = img_reduce(img, 2, 2, box);
    assert_non_null(r);
    int32_t got[2];
    memcpy(got, r->pixels, 8);
    assert_int_equal(got[0], 24999);
    assert_int_equal(got[1], 4);
    cdx_image_free(r);
    cdx_image_free(img);
}

static void test_reduce_rejects_boxes_outside_the_image(void **state) {
    (void)state;
    cdx_image *img = img_new(4, 4, CDX_MODE_RGB);
    const int outside[4] = {0, 0, 5, 4}, empty[4] = {2, 2, 2, 4};
    assert_null(img_reduce(img, 2, 2, outside));
    assert_null(img_reduce(img, 2, 2, empty));
    cdx_image_free(img);
}

/* The fast column-sum path equals the plain per-block loop for every channel count, factors
 * 1..9 (the specialised 1..4 and the generic rest), partial blocks and offset boxes. */
static void test_reduce_fast_path_equals_plain_loop(void **state) {
    (void)state;
    static const cdx_mode modes[] = {CDX_MODE_L, CDX_MODE_LA, CDX_MODE_RGB, CDX_MODE_RGBA};
    uint32_t seed = 12345;
    for (int m = 0; m < 4; m++)
        for (int fx = 1; fx <= 9; fx++)
            for (int fy = 1; fy <= 9; fy++) {
                const int w = 20 + fx * 7 + m, h = 17 + fy * 5;
                cdx_image *img = img_new(w, h, modes[m]);
                assert_non_null(img);
                for (size_t i = 0; i < img->stride * (size_t)h; i++) {
                    seed = seed * 1103515245u + 12345u;
                    img->pixels[i] = (uint8_t)(i % 7 == 0 ? 255 : seed >> 24);
                }
                const int boxes[2][4] = {{0, 0, w, h}, {fx % 3, fy % 2, w - 1, h - fx % 4}};
                for (int b = 0; b < 2; b++) {
                    cdx_image *fast = img_reduce_with(img, fx, fy, boxes[b], 0);
                    cdx_image *plain = img_reduce_with(img, fx, fy, boxes[b], IMG_REDUCE_GENERIC);
                    assert_non_null(fast);
                    assert_non_null(plain);
                    assert_int_equal(fast->width, plain->width);
                    assert_int_equal(fast->height, plain->height);
                    assert_memory_equal(fast->pixels, plain->pixels, plain->stride * (size_t)plain->height);
                    cdx_image_free(fast);
                    cdx_image_free(plain);
                }
                cdx_image_free(img);
            }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reduce_partial_blocks_average_what_is_there),
        cmocka_unit_test(test_reduce_rounding_uses_pillow_multiplier),
        cmocka_unit_test(test_reduce_mode_I_rounds_in_double),
        cmocka_unit_test(test_reduce_rejects_boxes_outside_the_image),
        cmocka_unit_test(test_reduce_fast_path_equals_plain_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
