/*
 * test_exif.c — the EXIF orientation parser (src/image/exif.c) and the transposes
 * (src/image/orient.c): both byte orders, all 8 values, every container, truncated and
 * self-referencing IFDs, and output geometry of the 8 orientations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "image/decode.h"

/* A TIFF block with IFD0 holding `n` entries; the orientation entry is the last one. */
static size_t make_tiff(uint8_t *t, int big, int orientation, int n, uint16_t type) {
    memset(t, 0, 128);
    memcpy(t, big ? "MM\0*" : "II*\0", 4); // NOLINT(bugprone-not-null-terminated-result): TIFF bytes, not a string
    t[big ? 7 : 4] = 8; /* IFD0 at 8 */
    t[big ? 9 : 8] = (uint8_t)n;
    for (int i = 0; i < n; i++) {
        uint8_t *e = t + 10 + 12 * i;
        uint16_t tag = i == n - 1 ? 0x0112 : (uint16_t)(0x0100 + i);
        e[big ? 0 : 1] = (uint8_t)(tag >> 8);
        e[big ? 1 : 0] = (uint8_t)tag;
        e[big ? 3 : 2] = (uint8_t)type;
        e[big ? 7 : 4] = 1; /* count */
        if (type == 3) e[big ? 9 : 8] = (uint8_t)orientation;
        else e[big ? 11 : 8] = (uint8_t)orientation;
    }
    return 10 + 12 * (size_t)n + 4;
}

static void test_orientation_all_values_both_byte_orders(void **state) {
    (void)state;
    uint8_t t[128];
    for (int big = 0; big <= 1; big++)
        for (int o = 1; o <= 8; o++) {
            size_t n = make_tiff(t, big, o, 3, 3);
            assert_int_equal(img_exif_orientation_tiff(t, n), o);
            n = make_tiff(t, big, o, 1, 4); /* LONG type */
            assert_int_equal(img_exif_orientation_tiff(t, n), o);
        }
}

static void test_out_of_range_and_malformed_read_as_1(void **state) {
    (void)state;
    uint8_t t[128];
    size_t n = make_tiff(t, 0, 9, 1, 3);
    assert_int_equal(img_exif_orientation_tiff(t, n), 1);
    n = make_tiff(t, 1, 0, 1, 3);
    assert_int_equal(img_exif_orientation_tiff(t, n), 1);
    n = make_tiff(t, 0, 6, 1, 2); /* ASCII type: not an integer */
    assert_int_equal(img_exif_orientation_tiff(t, n), 1);
    n = make_tiff(t, 0, 6, 1, 3);
    memcpy(t, "XX*\0", 4); // NOLINT(bugprone-not-null-terminated-result): bad TIFF byte order mark
    assert_int_equal(img_exif_orientation_tiff(t, n), 1);
    n = make_tiff(t, 0, 6, 1, 3);
    t[4] = 200; /* IFD0 beyond the block */
    assert_int_equal(img_exif_orientation_tiff(t, n), 1);
    assert_int_equal(img_exif_orientation_tiff(t, 7), 1);
    assert_int_equal(img_exif_orientation_tiff(NULL, 0), 1);
}

static void test_truncated_ifd_keeps_entries_read_so_far(void **state) {
    (void)state;
    uint8_t t[128];
    make_tiff(t, 0, 6, 1, 3);
    t[8] = 200; /* claims 200 entries, has one */
    assert_int_equal(img_exif_orientation_tiff(t, 10 + 12), 6);
    assert_int_equal(img_exif_orientation_tiff(t, 10 + 11), 1); /* entry itself cut */
}

static void test_self_referencing_ifd_terminates(void **state) {
    (void)state;
    uint8_t t[128];
    size_t n = make_tiff(t, 1, 8, 1, 3);
    t[n - 1] = 8; /* next-IFD pointer back to IFD0: only IFD0 is read */
    assert_int_equal(img_exif_orientation_tiff(t, n), 8);
}

static void test_containers_jpeg_png_webp(void **state) {
    (void)state;
    uint8_t t[128], f[256];
    size_t n = make_tiff(t, 1, 5, 2, 3);
    /* JPEG: SOI, APP0, APP1 Exif */
    size_t k = 0;
    const uint8_t soi_app0[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 'J', 'F'};
    memcpy(f, soi_app0, sizeof soi_app0);
    k = sizeof soi_app0;
    f[k++] = 0xFF; f[k++] = 0xE1;
    f[k++] = (uint8_t)((n + 8) >> 8); f[k++] = (uint8_t)(n + 8);
    memcpy(f + k, "Exif\0\0", 6); k += 6;
    memcpy(f + k, t, n); k += n;
    assert_int_equal(img_exif_orientation(f, k, CDX_FORMAT_JPEG), 5);
    assert_int_equal(img_exif_orientation(f, k - 1, CDX_FORMAT_JPEG), 1); /* segment cut */
    /* PNG: signature, eXIf chunk (CRC not checked by the orientation reader) */
    memcpy(f, "\x89PNG\r\n\x1A\n", 8);
    f[8] = 0; f[9] = 0; f[10] = 0; f[11] = (uint8_t)n;
    memcpy(f + 12, "eXIf", 4);
    memcpy(f + 16, t, n);
    memset(f + 16 + n, 0, 4);
    assert_int_equal(img_exif_orientation(f, 20 + n, CDX_FORMAT_PNG), 5);
    /* WebP: RIFF header, EXIF chunk with the "Exif\0\0" prefix some writers keep */
    memcpy(f, "RIFF\0\0\0\0WEBPEXIF", 16);
    f[16] = (uint8_t)(n + 6); f[17] = f[18] = f[19] = 0;
    memcpy(f + 20, "Exif\0\0", 6);
    memcpy(f + 26, t, n);
    assert_int_equal(img_exif_orientation(f, 26 + n, CDX_FORMAT_WEBP), 5);
    assert_int_equal(img_exif_orientation(f, 26 + n, CDX_FORMAT_GIF), 1);
}

/* 3x2 image, values 1..6 row-major; expected outputs written from Pillow's transpose rules. */
static void test_orientations_move_pixels_as_pillow(void **state) {
    (void)state;
    cdx_image *img = img_new(3, 2, CDX_MODE_L);
    for (int i = 0; i < 6; i++) img->pixels[i] = (uint8_t)(i + 1);
    static const uint8_t expect[9][6] = {
        {0}, {1, 2, 3, 4, 5, 6},
        {3, 2, 1, 6, 5, 4}, /* 2 FLIP_LEFT_RIGHT */
        {6, 5, 4, 3, 2, 1}, /* 3 ROTATE_180 */
        {4, 5, 6, 1, 2, 3}, /* 4 FLIP_TOP_BOTTOM */
        {1, 4, 2, 5, 3, 6}, /* 5 TRANSPOSE (2x3) */
        {4, 1, 5, 2, 6, 3}, /* 6 ROTATE_270 = 90° clockwise */
        {6, 3, 5, 2, 4, 1}, /* 7 TRANSVERSE */
        {3, 6, 2, 5, 1, 4}, /* 8 ROTATE_90 = 90° counter-clockwise */
    };
    for (int o = 1; o <= 8; o++) {
        cdx_image *t = img_apply_orientation(img, o);
        assert_non_null(t);
        assert_int_equal(t->width, o >= 5 ? 2 : 3);
        assert_int_equal(t->height, o >= 5 ? 3 : 2);
        assert_memory_equal(t->pixels, expect[o], 6);
        cdx_image_free(t);
    }
    cdx_image_free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orientation_all_values_both_byte_orders),
        cmocka_unit_test(test_out_of_range_and_malformed_read_as_1),
        cmocka_unit_test(test_truncated_ifd_keeps_entries_read_so_far),
        cmocka_unit_test(test_self_referencing_ifd_terminates),
        cmocka_unit_test(test_containers_jpeg_png_webp),
        cmocka_unit_test(test_orientations_move_pixels_as_pillow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
