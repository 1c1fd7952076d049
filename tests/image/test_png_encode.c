/*
 * test_png_encode.c — cdx_png_encode reproduces Pillow 9.4's PNG bytes: every fixture thumbnail
 * (expected/<file>.thumb.png, written by Pillow) is re-encoded from its own pixels and must come out
 * byte for byte identical; other levels keep the pixels; CMYK is written as Pillow's RGB.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "png_load.h"
#include "support.h"

static cdx_image *load_expected(const char *name, uint8_t **bytes, size_t *len) {
    char rel[256];
    snprintf(rel, sizeof rel, "images/expected/%s.thumb.png", name);
    *bytes = read_whole_file(fixture_path(rel), len);
    cdx_image *img = png_load_mem(*bytes, *len);
    assert_non_null(img);
    return img;
}

static void test_png_bytes_equal_pillow_for_every_fixture_thumbnail(void **state) {
    (void)state;
    for (size_t i = 0; i < PNG_LOAD_FIXTURE_COUNT; i++) {
        size_t want_len;
        uint8_t *want;
        cdx_image *img = load_expected(png_load_fixtures[i], &want, &want_len);
        png_load_expect_encoded(png_load_fixtures[i], img, want, want_len);
        free(want);
        cdx_image_free(img);
    }
}

static void test_png_every_level_keeps_pixels_and_metadata(void **state) {
    (void)state;
    for (size_t i = 0; i < PNG_LOAD_FIXTURE_COUNT; i++) {
        size_t want_len;
        uint8_t *want;
        cdx_image *img = load_expected(png_load_fixtures[i], &want, &want_len);
        for (int level = 0; level <= 9; level++) {
            uint8_t *got;
            size_t got_len;
            cdx_error err = {0};
            assert_int_equal(cdx_png_encode(img, level, &got, &got_len, &err), CDX_OK);
            cdx_image *back = png_load_mem(got, got_len);
            assert_non_null(back);
            if (!png_load_same_pixels(img, back))
                fail_msg("%s: level %d changed pixels", png_load_fixtures[i], level);
            assert_int_equal(back->palette_count, img->palette_count);
            assert_memory_equal(back->palette, img->palette, (size_t)img->palette_count * 3);
            assert_int_equal(back->palette_alpha_count, img->palette_alpha_count);
            assert_int_equal(back->icc_len, img->icc_len);
            cdx_image_free(back);
            free(got);
        }
        free(want);
        cdx_image_free(img);
    }
}

static void test_png_small_palettes_use_1_2_4_bits(void **state) {
    (void)state;
    const int counts[] = {1, 2, 3, 4, 5, 16, 17, 256}, depths[] = {1, 1, 2, 2, 4, 4, 8, 8};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        cdx_image *img = img_new(13, 3, CDX_MODE_P);
        assert_non_null(img);
        img->palette_count = counts[i];
        for (int p = 0; p < 13 * 3; p++) img->pixels[p] = (uint8_t)(p % counts[i]);
        for (int c = 0; c < 256 * 3; c++) img->palette[c] = (uint8_t)(c * 7);
        uint8_t *png;
        size_t len;
        cdx_error err = {0};
        assert_int_equal(cdx_png_encode(img, -1, &png, &len, &err), CDX_OK);
        assert_int_equal(png[24], depths[i]); /* IHDR bit depth */
        assert_int_equal(png[25], 3);
        cdx_image *back = png_load_mem(png, len);
        assert_non_null(back);
        assert_true(png_load_same_pixels(img, back));
        assert_int_equal(back->palette_count, counts[i]);
        cdx_image_free(back);
        cdx_image_free(img);
        free(png);
    }
}

static void test_png_mode_I_is_16bit_grey_clamped(void **state) {
    (void)state;
    cdx_image *img = img_new(4, 1, CDX_MODE_I);
    assert_non_null(img);
    const int32_t v[4] = {-5, 0, 1000, 70000};
    memcpy(img->pixels, v, sizeof v);
    uint8_t *png;
    size_t len;
    cdx_error err = {0};
    assert_int_equal(cdx_png_encode(img, -1, &png, &len, &err), CDX_OK);
    assert_int_equal(png[24], 16);
    assert_int_equal(png[25], 0);
    cdx_image *back = png_load_mem(png, len);
    assert_non_null(back);
    int32_t got[4];
    memcpy(got, back->pixels, sizeof got);
    assert_int_equal(got[0], 0);
    assert_int_equal(got[1], 0);
    assert_int_equal(got[2], 1000);
    assert_int_equal(got[3], 65535);
    cdx_image_free(back);
    cdx_image_free(img);
    free(png);
}

static void test_png_cmyk_is_written_as_pillow_rgb(void **state) {
    (void)state;
    cdx_image *img = img_new(2, 1, CDX_MODE_CMYK);
    assert_non_null(img);
    const uint8_t px[8] = {0, 0, 0, 0, 255, 128, 10, 50};
    memcpy(img->pixels, px, sizeof px);
    uint8_t *png;
    size_t len;
    cdx_error err = {0};
    assert_int_equal(cdx_png_encode(img, -1, &png, &len, &err), CDX_OK);
    cdx_image *back = png_load_mem(png, len);
    assert_non_null(back);
    assert_int_equal(back->mode, CDX_MODE_RGB);
    /* Pillow: Image.frombytes("CMYK", (2, 1), px).convert("RGB").tobytes() */
    const uint8_t want[6] = {255, 255, 255, 0, 102, 197};
    assert_memory_equal(back->pixels, want, 6);
    cdx_image_free(back);
    cdx_image_free(img);
    free(png);
}

static void test_png_rejects_bad_level(void **state) {
    (void)state;
    cdx_image *img = img_new(1, 1, CDX_MODE_L);
    uint8_t *png = (uint8_t *)1;
    size_t len = 1;
    cdx_error err = {0};
    assert_int_equal(cdx_png_encode(img, 10, &png, &len, &err), CDX_EINVAL);
    assert_null(png);
    assert_non_null(strstr(err.message, "level"));
    cdx_image_free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_bytes_equal_pillow_for_every_fixture_thumbnail),
        cmocka_unit_test(test_png_every_level_keeps_pixels_and_metadata),
        cmocka_unit_test(test_png_small_palettes_use_1_2_4_bits),
        cmocka_unit_test(test_png_mode_I_is_16bit_grey_clamped),
        cmocka_unit_test(test_png_cmyk_is_written_as_pillow_rgb),
        cmocka_unit_test(test_png_rejects_bad_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
