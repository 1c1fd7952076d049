/*
 * test_decode.c — decoding (src/image/decode*.c, load.c): every fixture decodes to the mode and
 * size recorded in expected/manifest.json (Pillow 9.4), EXIF orientation is applied by load and
 * probe unless disabled, the pixel limit refuses huge headers before any allocation, truncated
 * files fail cleanly, and CMYK→RGB conversion matches Pillow's formula.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "image/decode.h"
#include "support.h"

static const char *FIXTURES[] = {
    "bmp_rgb_333x222.bmp",
    "gif_palette_300x200.gif",
    "jpeg_cmyk_600x400.jpg",
    "jpeg_exif_orient6_800x600.jpg",
    "jpeg_progressive_1024x768.jpg",
    "large_4000x3000.jpg",
    "png16_gray_320x240.png",
    "png16_rgb_330x250.png",
    "png_gray_600x1000.png",
    "png_palette_400x300.png",
    "png_rgb_1024x768.png",
    "png_rgba_alpha_500x400.png",
    "tall_10x3000.png",
    "tiny_1x1.png",
    "webp_lossless_alpha_256x256.webp",
    "webp_lossy_1500x1000.webp",
    "wide_4000x10.png",
};
#define N_FIXTURES (sizeof FIXTURES / sizeof FIXTURES[0])

/* Pulls "mode" and "size" of the "blog" source facts for `file` out of manifest.json. */
static void manifest_facts(const char *manifest, const char *file, char mode[8], int *w, int *h) {
    char key[256];
    snprintf(key, sizeof key, "\"file\": \"%s\"", file);
    const char *p = strstr(manifest, key);
    assert_non_null(p);
    const char *m = strstr(p, "\"mode\": \"");
    assert_non_null(m);
    m += strlen("\"mode\": \"");
    size_t n = strcspn(m, "\"");
    assert_true(n < 8);
    memcpy(mode, m, n);
    mode[n] = 0;
    const char *s = strstr(p, "\"size\": [");
    assert_non_null(s);
    assert_int_equal(sscanf(s + strlen("\"size\": ["), " %d , %d", w, h), 2);
}

static void test_fixtures_decode_to_manifest_mode_and_size(void **state) {
    (void)state;
    size_t mlen;
    char *manifest = (char *)read_whole_file(fixture_path("images/expected/manifest.json"), &mlen);
    for (size_t i = 0; i < N_FIXTURES; i++) {
        char rel[256], mode[8];
        int w, h;
        snprintf(rel, sizeof rel, "images/%s", FIXTURES[i]);
        manifest_facts(manifest, FIXTURES[i], mode, &w, &h);
        cdx_image_opts opts = {.no_exif = 1};
        cdx_image *img = NULL;
        cdx_error err = {0};
        int rc = cdx_image_load_file(fixture_path(rel), &opts, &img, &err);
        if (rc != CDX_OK) fail_msg("%s: %s", FIXTURES[i], err.message);
        assert_string_equal(cdx_mode_name(cdx_image_mode(img)), mode);
        assert_int_equal(cdx_image_width(img), w);
        assert_int_equal(cdx_image_height(img), h);
        cdx_image_free(img);
    }
    free(manifest);
}

static void test_load_applies_exif_orientation_unless_disabled(void **state) {
    (void)state;
    const char *path = fixture_path("images/jpeg_exif_orient6_800x600.jpg");
    cdx_image *img = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_image_load_file(path, NULL, &img, &err), CDX_OK);
    assert_int_equal(cdx_image_width(img), 600);
    assert_int_equal(cdx_image_height(img), 800);
    cdx_image_free(img);

    cdx_image_info info;
    assert_int_equal(cdx_image_probe_file(path, NULL, &info, &err), CDX_OK);
    assert_int_equal(info.format, CDX_FORMAT_JPEG);
    assert_int_equal(info.orientation, 6);
    assert_int_equal(info.width, 600);
    assert_int_equal(info.height, 800);
    assert_int_equal(info.stored_width, 800);
    cdx_image_opts no = {.no_exif = 1};
    assert_int_equal(cdx_image_probe_file(path, &no, &info, &err), CDX_OK);
    assert_int_equal(info.orientation, 1);
    assert_int_equal(info.width, 800);
}

static void test_probe_reads_every_fixture_header(void **state) {
    (void)state;
    for (size_t i = 0; i < N_FIXTURES; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "images/%s", FIXTURES[i]);
        cdx_image_info info;
        cdx_error err = {0};
        cdx_image_opts no = {.no_exif = 1};
        if (cdx_image_probe_file(fixture_path(rel), &no, &info, &err) != CDX_OK)
            fail_msg("%s", err.message);
        int w = 0, h = 0; /* names end in WxH */
        const char *x = strrchr(FIXTURES[i], 'x');
        const char *u = x;
        while (u > FIXTURES[i] && u[-1] >= '0' && u[-1] <= '9')
            u--;
        w = atoi(u);
        h = atoi(x + 1);
        assert_int_equal(info.width, w);
        assert_int_equal(info.height, h);
    }
}

/* A PNG signature + IHDR claiming w x h, and nothing else: decoding must stop at the limit. */
static size_t huge_png(uint8_t *buf, uint32_t w, uint32_t h) {
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    memcpy(buf, sig, 8);
    uint8_t ihdr[8 + 13 + 4] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    for (int i = 0; i < 4; i++) {
        ihdr[8 + i] = (uint8_t)(w >> (24 - 8 * i));
        ihdr[12 + i] = (uint8_t)(h >> (24 - 8 * i));
    }
    ihdr[16] = 8;
    ihdr[17] = 2;
    memcpy(buf + 8, ihdr, sizeof ihdr);
    return 8 + sizeof ihdr;
}

static void test_pixel_limit_refuses_before_allocating(void **state) {
    (void)state;
    uint8_t png[64];
    size_t n = huge_png(png, 20000, 20000);
    cdx_image *img = NULL;
    cdx_error err = {0};
    /* The file has no pixel data at all: only a header check can give ETOOLARGE. */
    assert_int_equal(img_decode(png, n, "huge.png", 1, 0, &img, &err), CDX_ETOOLARGE);
    assert_null(img);
    assert_string_equal(err.message, "huge.png: image is 20000x20000 = 400000000 pixels, over the "
                                     "limit of 178956970 (decompression bomb guard)");
    /* JPEG SOF 65000x65000, GIF screen, BMP and WebP headers likewise. */
    static const uint8_t jpeg[] = {0xFF, 0xD8, 0xFF, 0xC0, 0, 17,   8, 0xFD, 0xE8, 0xFD, 0xE8,
                                   3,    1,    0x22, 0,    2, 0x11, 1, 3,    0x11, 1};
    assert_int_equal(img_decode(jpeg, sizeof jpeg, "j", 1, 0, &img, &err), CDX_ETOOLARGE);
    static const uint8_t gif[] = {'G', 'I', 'F', '8', '9', 'a',  0xFF, 0xFF, 0xFF, 0xFF,
                                  0,   0,   0,   ',', 0,   0,    0,    0,    1,    0,
                                  1,   0,   0,   2,   2,   0x4C, 1,    0,    ';'};
    assert_int_equal(img_decode(gif, sizeof gif, "g", 1, 0, &img, &err), CDX_ETOOLARGE);
    uint8_t bmp[54] = {'B', 'M'};
    bmp[10] = 54;
    bmp[14] = 40;
    bmp[18] = 0x20;
    bmp[19] = 0x4E; /* 20000 */
    bmp[22] = 0x20;
    bmp[23] = 0x4E;
    bmp[26] = 1;
    bmp[28] = 24;
    assert_int_equal(img_decode(bmp, sizeof bmp, "b", 1, 0, &img, &err), CDX_ETOOLARGE);
    uint8_t webp[30] = {'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E',  'B',  'P', 'V',  'P',  '8',
                        'X', 10,  0,   0,   0,  0, 0, 0, 0,   0xFF, 0xFF, 0,   0xFF, 0xFF, 0};
    assert_int_equal(img_decode(webp, sizeof webp, "w", 1, 0, &img, &err), CDX_ETOOLARGE);
    /* A configurable limit applies to real files too, and probing refuses as well. */
    cdx_image_opts small = {.max_pixels = 1000};
    const char *path = fixture_path("images/png_rgb_1024x768.png");
    assert_int_equal(cdx_image_load_file(path, &small, &img, &err), CDX_ETOOLARGE);
    assert_non_null(strstr(err.message, "png_rgb_1024x768.png: image is 1024x768"));
    cdx_image_info info;
    assert_int_equal(cdx_image_probe_file(path, &small, &info, &err), CDX_ETOOLARGE);
}

static void test_truncated_fixtures_fail_cleanly(void **state) {
    (void)state;
    for (size_t i = 0; i < N_FIXTURES; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "images/%s", FIXTURES[i]);
        size_t len;
        uint8_t *data = read_whole_file(fixture_path(rel), &len);
        size_t cuts[] = {1, 2, 7, 13, 30, 100, len / 4, len / 2, len * 3 / 4};
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            if (cuts[c] >= len) continue;
            if (!strcmp(FIXTURES[i], "tiny_1x1.png") && cuts[c] > 60) continue; /* IDAT ended */
            cdx_image *img = NULL;
            cdx_error err = {0};
            uint8_t *cut = malloc(cuts[c]); /* exact-size copy so ASan sees any overread */
            memcpy(cut, data, cuts[c]);
            int rc = img_decode(cut, cuts[c], FIXTURES[i], 1, 0, &img, &err);
            free(cut);
            if (rc == CDX_OK) fail_msg("%s cut at %zu decoded", FIXTURES[i], cuts[c]);
            assert_null(img);
            assert_true(strncmp(err.message, FIXTURES[i], strlen(FIXTURES[i])) == 0);
            if (cuts[c] >= 100 && rc != CDX_ETRUNCATED)
                fail_msg("%s cut at %zu: %s (expected truncated)", FIXTURES[i], cuts[c],
                         err.message);
        }
        free(data);
    }
}

/* Pillow 9.4 checks the CRCs of the chunks before the image data but skips those of IDAT
 * (PngImageFile.load_read), and rejects a bad zlib Adler-32: so do we (checked with Pillow). */
static void test_png_crc_checks_follow_pillow(void **state) {
    (void)state;
    size_t len;
    uint8_t *data = read_whole_file(fixture_path("images/png_rgb_1024x768.png"), &len);
    cdx_image *good = NULL, *img = NULL;
    cdx_error err = {0};
    assert_int_equal(img_decode(data, len, "good.png", 1, 0, &good, &err), CDX_OK);
    size_t idat = 8; /* first IDAT chunk */
    while (idat + 8 <= len && memcmp(data + idat + 4, "IDAT", 4) != 0)
        idat += 12 + ((size_t)data[idat] << 24 | (size_t)data[idat + 1] << 16 |
                      (size_t)data[idat + 2] << 8 | data[idat + 3]);
    assert_true(idat + 8 <= len);
    const size_t idat_len = (size_t)data[idat] << 24 | (size_t)data[idat + 1] << 16 |
                            (size_t)data[idat + 2] << 8 | data[idat + 3];
    data[idat + 8 + idat_len] ^= 0xFF; /* IDAT CRC: Pillow loads the image */
    assert_int_equal(img_decode(data, len, "idat.png", 1, 0, &img, &err), CDX_OK);
    assert_memory_equal(img->pixels, good->pixels, good->stride * (size_t)good->height);
    cdx_image_free(img);
    img = NULL;
    data[idat + 8 + idat_len] ^= 0xFF;
    data[29] ^= 0xFF; /* IHDR CRC: Pillow refuses the file */
    assert_int_equal(img_decode(data, len, "ihdr.png", 1, 0, &img, &err), CDX_ECORRUPT);
    assert_null(img);
    cdx_image_free(good);
    free(data);
}

/* Found by fuzz_image_decode: our header scan and libjpeg-turbo read different frame headers
 * (a small one passed the pixel limit, libjpeg saw a huge one). The decoder must refuse the
 * mismatch instead of allocating what libjpeg claims. */
static void test_jpeg_whose_decoder_size_differs_from_header_is_refused(void **state) {
    (void)state;
    size_t len;
    uint8_t *data =
        read_whole_file(fixture_path("fuzz-regressions/jpeg_second_frame_header_huge.jpg"), &len);
    cdx_image *img = NULL;
    cdx_error err = {0};
    assert_int_equal(img_decode(data, len, "regression.jpg", 1, 1 << 20, &img, &err), CDX_ECORRUPT);
    assert_null(img);
    assert_non_null(strstr(err.message, "regression.jpg"));
    free(data);
}

static void test_convert_cmyk_to_rgb_uses_pillow_formula(void **state) {
    (void)state;
    cdx_image *img = img_new(2, 1, CDX_MODE_CMYK);
    const uint8_t px[8] = {10, 200, 255, 30, 0, 0, 0, 255};
    memcpy(img->pixels, px, 8);
    cdx_image *rgb = img_convert_rgb(img);
    /* nk = 225: R = 225 - MULDIV255(10,225)=9 → 216; G = 225 - 176 = 49; B = 0 */
    assert_int_equal(rgb->pixels[0], 216);
    assert_int_equal(rgb->pixels[1], 49);
    assert_int_equal(rgb->pixels[2], 0);
    assert_int_equal(rgb->pixels[3], 0);
    cdx_image_free(rgb);
    cdx_image_free(img);
    cdx_image *i32 = img_new(3, 1, CDX_MODE_I);
    int32_t v[3] = {-5, 100, 70000};
    memcpy(i32->pixels, v, sizeof v);
    rgb = img_convert_rgb(i32);
    assert_int_equal(rgb->pixels[0], 0);
    assert_int_equal(rgb->pixels[3], 100);
    assert_int_equal(rgb->pixels[6], 255);
    cdx_image_free(rgb);
    cdx_image_free(i32);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_decode_to_manifest_mode_and_size),
        cmocka_unit_test(test_jpeg_whose_decoder_size_differs_from_header_is_refused),
        cmocka_unit_test(test_load_applies_exif_orientation_unless_disabled),
        cmocka_unit_test(test_probe_reads_every_fixture_header),
        cmocka_unit_test(test_pixel_limit_refuses_before_allocating),
        cmocka_unit_test(test_truncated_fixtures_fail_cleanly),
        cmocka_unit_test(test_png_crc_checks_follow_pillow),
        cmocka_unit_test(test_convert_cmyk_to_rgb_uses_pillow_formula),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
