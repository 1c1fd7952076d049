/*
 * test_thumbnail_fixtures.c — the whole API path against Pillow 9.4 on every fixture image:
 * cdx_thumbnail_file (no_exif) gives exactly the mode, size and pixels of expected/<file>.thumb.png
 * (or .thumb.raw for the CMYK JPEG), and cdx_png_encode of it gives Pillow's PNG bytes. With EXIF
 * on, the orientation-6 JPEG equals Pillow's exif_transpose + thumbnail (expected-exif/).
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

static cdx_image *thumb_of(const char *name, int no_exif) {
    char rel[256];
    snprintf(rel, sizeof rel, "images/%s", name);
    cdx_image_opts opts = {.no_exif = no_exif};
    cdx_image *img = NULL;
    cdx_error err = {0};
    if (cdx_thumbnail_file(fixture_path(rel), 224, &opts, &img, &err) != CDX_OK)
        fail_msg("%s: %s", name, err.message);
    return img;
}

static void check_against_png(const char *name, const char *rel) {
    size_t len;
    uint8_t *want_png = read_whole_file(fixture_path(rel), &len);
    cdx_image *want = png_load_mem(want_png, len);
    assert_non_null(want);
    cdx_image *got = thumb_of(name, 1);
    if (!png_load_same_pixels(got, want))
        fail_msg("%s: thumbnail %s %dx%d differs from Pillow's %s %dx%d", name,
                 cdx_mode_name(got->mode), got->width, got->height, cdx_mode_name(want->mode),
                 want->width, want->height);
    if (got->mode == CDX_MODE_P) {
        assert_int_equal(got->palette_count, want->palette_count);
        assert_memory_equal(got->palette, want->palette, (size_t)want->palette_count * 3);
    }
    png_load_expect_encoded(name, got, want_png, len);
    cdx_image_free(got);
    cdx_image_free(want);
    free(want_png);
}

static void test_thumbnails_equal_pillow_for_every_fixture(void **state) {
    (void)state;
    for (size_t i = 0; i < PNG_LOAD_FIXTURE_COUNT; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "images/expected/%s.thumb.png", png_load_fixtures[i]);
        check_against_png(png_load_fixtures[i], rel);
    }
}

static void test_cmyk_jpeg_thumbnail_equals_pillow_raw(void **state) {
    (void)state;
    size_t len;
    uint8_t *want = read_whole_file(fixture_path("images/expected/jpeg_cmyk_600x400.jpg.thumb.raw"), &len);
    cdx_image *got = thumb_of("jpeg_cmyk_600x400.jpg", 1);
    assert_int_equal(got->mode, CDX_MODE_CMYK);
    assert_int_equal(got->width, 224);
    assert_int_equal(got->height, 149);
    assert_int_equal(len, 224 * 149 * 4);
    for (int y = 0; y < 149; y++)
        assert_memory_equal(got->pixels + (size_t)y * got->stride, want + (size_t)y * 224 * 4, 224 * 4);
    cdx_image_free(got);
    free(want);
}

static void test_exif_orientation_6_equals_pillow_exif_transpose(void **state) {
    (void)state;
    size_t len;
    uint8_t *png = read_whole_file(
        fixture_path("images/expected-exif/jpeg_exif_orient6_800x600.jpg.thumb.png"), &len);
    cdx_image *want = png_load_mem(png, len);
    assert_non_null(want);
    cdx_image *got = thumb_of("jpeg_exif_orient6_800x600.jpg", 0);
    assert_int_equal(got->width, 168);
    assert_int_equal(got->height, 224);
    assert_true(png_load_same_pixels(got, want));
    cdx_image_free(got);
    cdx_image_free(want);
    free(png);
}

static void test_thumbnail_errors_name_the_file(void **state) {
    (void)state;
    cdx_image *img = (cdx_image *)1;
    cdx_error err = {0};
    const char junk[] = "not an image at all";
    assert_int_not_equal(cdx_thumbnail_mem(junk, sizeof junk, "junk.bin", 224, NULL, &img, &err), CDX_OK);
    assert_null(img);
    assert_non_null(strstr(err.message, "junk.bin"));
    cdx_image_opts small = {.max_pixels = 1000};
    assert_int_equal(cdx_thumbnail_file(fixture_path("images/png_rgb_1024x768.png"), 224, &small, &img, &err),
                     CDX_ETOOLARGE);
    assert_non_null(strstr(err.message, "png_rgb_1024x768.png"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thumbnails_equal_pillow_for_every_fixture),
        cmocka_unit_test(test_cmyk_jpeg_thumbnail_equals_pillow_raw),
        cmocka_unit_test(test_exif_orientation_6_equals_pillow_exif_transpose),
        cmocka_unit_test(test_thumbnail_errors_name_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
