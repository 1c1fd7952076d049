/*
 * test_preprocess.c — src/model/preprocess.c against the Python pipeline's tensors: for every
 * fixture image, decode (EXIF off, as the fixtures were made) → RGB → short side 224 BICUBIC →
 * centre crop → normalise equals expected/<file>.jina.f32.bin.gz (torchvision 0.14 + Pillow 9.4)
 * within 1e-6 (in practice bit for bit); errors name the input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "model/preprocess.h"
#include "support.h"

#define SIDE 224
#define COUNT (3 * SIDE * SIDE)

static const char *const fixtures[] = {
    "bmp_rgb_333x222.bmp",        "gif_palette_300x200.gif",     "jpeg_cmyk_600x400.jpg",
    "jpeg_exif_orient6_800x600.jpg", "jpeg_progressive_1024x768.jpg", "large_4000x3000.jpg",
    "png16_gray_320x240.png",     "png16_rgb_330x250.png",       "png_gray_600x1000.png",
    "png_palette_400x300.png",    "png_rgb_1024x768.png",        "png_rgba_alpha_500x400.png",
    "tall_10x3000.png",           "tiny_1x1.png",                "webp_lossless_alpha_256x256.webp",
    "webp_lossy_1500x1000.webp",  "wide_4000x10.png",
};

/* The gzipped little-endian float32 tensor (this test runs on little-endian hosts only). */
static float *read_expected(const char *name) {
    char rel[256];
    snprintf(rel, sizeof rel, "images/expected/%s.jina.f32.bin.gz", name);
    gzFile gz = gzopen(fixture_path(rel), "rb");
    assert_non_null(gz);
    float *want = malloc(COUNT * sizeof *want);
    assert_non_null(want);
    int got = gzread(gz, want, (unsigned)(COUNT * sizeof *want));
    gzclose(gz);
    assert_int_equal(got, COUNT * (int)sizeof *want);
    return want;
}

static void test_preprocess_equals_python_for_every_fixture(void **state) {
    (void)state;
    float *got = malloc(COUNT * sizeof *got);
    assert_non_null(got);
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "images/%s", fixtures[i]);
        cdx_image_opts opts = {.no_exif = 1};
        cdx_error err = {0};
        if (mdl_preprocess_file(fixture_path(rel), &opts, SIDE, got, &err) != CDX_OK)
            fail_msg("%s: %s", fixtures[i], err.message);
        float *want = read_expected(fixtures[i]);
        double worst = 0;
        size_t at = 0;
        for (size_t k = 0; k < COUNT; k++) {
            double d = fabs((double)got[k] - (double)want[k]);
            if (d > worst) worst = d, at = k;
        }
        if (worst > 1e-6)
            fail_msg("%s: max |diff| %g at %zu (got %.9g, want %.9g)", fixtures[i], worst, at,
                     (double)got[at], (double)want[at]);
        free(want);
    }
    free(got);
}

static void test_preprocess_applies_exif_orientation_by_default(void **state) {
    (void)state;
    float *with = malloc(COUNT * sizeof *with), *without = malloc(COUNT * sizeof *without);
    assert_non_null(with);
    assert_non_null(without);
    const char *path = fixture_path("images/jpeg_exif_orient6_800x600.jpg");
    cdx_error err = {0};
    cdx_image_opts no_exif = {.no_exif = 1};
    assert_int_equal(mdl_preprocess_file(path, NULL, SIDE, with, &err), CDX_OK);
    assert_int_equal(mdl_preprocess_file(path, &no_exif, SIDE, without, &err), CDX_OK);
    size_t differ = 0;
    for (size_t k = 0; k < COUNT; k++) differ += with[k] != without[k];
    assert_true(differ > COUNT / 2); /* turned by 90 degrees: most pixels move */
    free(with);
    free(without);
}

static void test_preprocess_errors_name_the_input(void **state) {
    (void)state;
    float out[3 * 4 * 4];
    cdx_error err = {0};
    const char junk[] = "definitely not an image";
    assert_int_not_equal(mdl_preprocess_mem(junk, sizeof junk, "junk.bin", NULL, 4, out, &err),
                         CDX_OK);
    assert_non_null(strstr(err.message, "junk.bin"));
    assert_int_not_equal(mdl_preprocess_file("/nonexistent/x.png", NULL, 4, out, &err), CDX_OK);
    assert_non_null(strstr(err.message, "/nonexistent/x.png"));
    assert_int_equal(mdl_preprocess_image(NULL, 4, out, &err), CDX_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preprocess_equals_python_for_every_fixture),
        cmocka_unit_test(test_preprocess_applies_exif_orientation_by_default),
        cmocka_unit_test(test_preprocess_errors_name_the_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
