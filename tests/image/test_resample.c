/*
 * test_resample.c — the AVX2 resampler passes equal their plain C twins byte for byte (the
 * twins are checked against Pillow by test_resample_vs_pillow): every 8-bit mode, every filter,
 * up- and down-scaling, odd widths that end taps at the last byte of the buffer, and boxes.
 * Resampling only an output window gives the same bytes as resampling everything and cropping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "image/resample.h"

static cdx_image *random_image(int w, int h, cdx_mode mode, uint32_t *seed) {
    cdx_image *img = img_new(w, h, mode);
    assert_non_null(img);
    for (size_t i = 0; i < img->stride * (size_t)h; i++) {
        *seed = *seed * 1103515245u + 12345u;
        /* noise with runs of 0 and 255 so clipping at both ends is exercised */
        const uint32_t r = *seed >> 16;
        img->pixels[i] = (uint8_t)(r % 5 == 0 ? 0 : r % 5 == 1 ? 255 : r >> 8);
    }
    return img;
}

static void expect_same(const cdx_image *src, int w, int h, img_filter f, const float box[4]) {
    cdx_image *simd = img_resample_with(src, w, h, f, box, 0);
    cdx_image *plain = img_resample_with(src, w, h, f, box, IMG_RESAMPLE_SCALAR);
    assert_non_null(simd);
    assert_non_null(plain);
    assert_int_equal(simd->width, plain->width);
    assert_int_equal(simd->height, plain->height);
    if (memcmp(simd->pixels, plain->pixels, plain->stride * (size_t)plain->height) != 0)
        fail_msg("mode %d %dx%d -> %dx%d filter %d: SIMD differs from scalar", src->mode,
                 src->width, src->height, w, h, f);
    cdx_image_free(simd);
    cdx_image_free(plain);
}

static void test_resample_simd_equals_scalar_twin(void **state) {
    (void)state;
    static const cdx_mode modes[] = {CDX_MODE_L, CDX_MODE_LA, CDX_MODE_RGB, CDX_MODE_RGBA,
                                     CDX_MODE_CMYK};
    static const img_filter filters[] = {IMG_BOX, IMG_BILINEAR, IMG_HAMMING, IMG_BICUBIC,
                                         IMG_LANCZOS};
    static const int sizes[][4] = {{1, 1, 1, 3},     {3, 2, 7, 5},         {17, 9, 5, 4},
                                   {97, 61, 31, 29}, {500, 375, 224, 168}, {64, 33, 200, 101},
                                   {1000, 7, 13, 7}, {9, 400, 9, 37}};
    uint32_t seed = 7;
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            const int *z = sizes[s];
            cdx_image *img = random_image(z[0], z[1], modes[m], &seed);
            for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
                const float whole[4] = {0, 0, (float)z[0], (float)z[1]};
                const float part[4] = {0.3f, 0.6f, (float)z[0] * 0.8f + 0.1f, (float)z[1]};
                expect_same(img, z[2], z[3], filters[f], whole);
                expect_same(img, z[2], z[3], filters[f], part);
                expect_same(img, z[2], z[1], filters[f], whole); /* horizontal only */
                expect_same(img, z[0], z[3], filters[f], whole); /* vertical only */
            }
            cdx_image_free(img);
        }
}

/* img_resample_window(win) == crop(img_resample(whole), win), with and without SIMD. */
static void expect_window_is_crop(const cdx_image *src, int w, int h, img_filter f,
                                  const float box[4], const int win[4]) {
    for (int flags = 0; flags <= IMG_RESAMPLE_SCALAR; flags++) {
        cdx_image *whole = img_resample_with(src, w, h, f, box, flags);
        cdx_image *part = img_resample_window(src, w, h, f, box, win, flags);
        assert_non_null(whole);
        assert_non_null(part);
        cdx_image *want = img_crop(whole, win[0], win[1], win[2], win[3]);
        assert_non_null(want);
        assert_int_equal(part->width, win[2]);
        assert_int_equal(part->height, win[3]);
        for (int y = 0; y < win[3]; y++)
            if (memcmp(part->pixels + (size_t)y * part->stride,
                       want->pixels + (size_t)y * want->stride,
                       (size_t)win[2] * (size_t)img_mode_bytes(src->mode)) != 0)
                fail_msg("mode %d %dx%d -> %dx%d filter %d window (%d,%d %dx%d) row %d differs",
                         src->mode, src->width, src->height, w, h, f, win[0], win[1], win[2],
                         win[3], y);
        cdx_image_free(whole);
        cdx_image_free(part);
        cdx_image_free(want);
    }
}

static void test_resample_window_equals_crop_of_whole(void **state) {
    (void)state;
    static const cdx_mode modes[] = {CDX_MODE_L, CDX_MODE_RGB, CDX_MODE_RGBA, CDX_MODE_I};
    static const img_filter filters[] = {IMG_BILINEAR, IMG_BICUBIC, IMG_LANCZOS};
    /* source w, h; output w, h */
    static const int sizes[][4] = {{320, 240, 298, 224}, {41, 300, 30, 219}, {1, 1, 22, 22},
                                   {50, 50, 50, 61},     {60, 9, 37, 9},     {5, 80, 40, 80}};
    uint32_t seed = 11;
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            const int *z = sizes[s];
            cdx_image *img = random_image(z[0], z[1], modes[m], &seed);
            const float box[4] = {0, 0, (float)z[0], (float)z[1]};
            for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
                seed = seed * 1103515245u + 12345u;
                const int ww = 1 + (int)((seed >> 8) % (uint32_t)z[2]);
                const int wh = 1 + (int)((seed >> 20) % (uint32_t)z[3]);
                const int wins[3][4] = {{0, 0, z[2], z[3]},
                                        {z[2] - ww, z[3] - wh, ww, wh},
                                        {(z[2] - ww) / 2, (z[3] - wh) / 3, ww, wh}};
                for (int i = 0; i < 3; i++) expect_window_is_crop(img, z[2], z[3], filters[f], box, wins[i]);
            }
            cdx_image_free(img);
        }
}

static void test_resample_window_outside_is_refused(void **state) {
    (void)state;
    uint32_t seed = 3;
    cdx_image *img = random_image(20, 10, CDX_MODE_RGB, &seed);
    const float box[4] = {0, 0, 20, 10};
    const int bad[][4] = {{-1, 0, 5, 5}, {0, 0, 0, 5}, {16, 0, 5, 5}, {0, 6, 5, 5}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(img_resample_window(img, 20, 10, IMG_BICUBIC, box, bad[i], 0));
    cdx_image_free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resample_simd_equals_scalar_twin),
        cmocka_unit_test(test_resample_window_equals_crop_of_whole),
        cmocka_unit_test(test_resample_window_outside_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
