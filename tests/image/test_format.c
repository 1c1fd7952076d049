/*
 * test_format.c — format detection (src/image/format.c) looks at bytes, never names, and
 * file errors (src/image/file.c, load.c) name the path and the reason: missing, directory,
 * zero bytes, unsupported formats described by what their bytes look like.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "image/decode.h"
#include "support.h"

static void test_sniff_by_magic_numbers(void **state) {
    (void)state;
    assert_int_equal(img_sniff((const uint8_t *)"\xFF\xD8\xFF\xE0", 4), CDX_FORMAT_JPEG);
    assert_int_equal(img_sniff((const uint8_t *)"\x89PNG\r\n\x1A\n", 8), CDX_FORMAT_PNG);
    assert_int_equal(img_sniff((const uint8_t *)"RIFF\0\0\0\0WEBP", 12), CDX_FORMAT_WEBP);
    assert_int_equal(img_sniff((const uint8_t *)"RIFF\0\0\0\0WAVE", 12), CDX_FORMAT_UNKNOWN);
    assert_int_equal(img_sniff((const uint8_t *)"GIF87a", 6), CDX_FORMAT_GIF);
    assert_int_equal(img_sniff((const uint8_t *)"GIF89a", 6), CDX_FORMAT_GIF);
    assert_int_equal(img_sniff((const uint8_t *)"BM", 2), CDX_FORMAT_BMP);
    assert_int_equal(img_sniff((const uint8_t *)"\x89PN", 3), CDX_FORMAT_UNKNOWN);
    assert_int_equal(img_sniff(NULL, 0), CDX_FORMAT_UNKNOWN);
}

static char *write_temp(const char *dir, const char *name, const void *data, size_t len) {
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static void test_misleading_extension_is_ignored(void **state) {
    (void)state;
    size_t len;
    uint8_t *png = read_whole_file(fixture_path("images/tiny_1x1.png"), &len);
    char *dir = make_temp_dir();
    char *path = write_temp(dir, "photo.jpg", png, len);
    cdx_image *img = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_image_load_file(path, NULL, &img, &err), CDX_OK);
    assert_int_equal(cdx_image_mode(img), CDX_MODE_RGB);
    cdx_image_info info;
    assert_int_equal(cdx_image_probe_file(path, NULL, &info, &err), CDX_OK);
    assert_int_equal(info.format, CDX_FORMAT_PNG);
    cdx_image_free(img);
    free(path);
    free(png);
    remove_tree(dir);
    free(dir);
}

static void test_unsupported_formats_say_what_they_are(void **state) {
    (void)state;
    cdx_image *img = NULL;
    cdx_error err = {0};
    const uint8_t tiff[] = {'I', 'I', '*', 0, 8, 0, 0, 0, 0, 0};
    assert_int_equal(img_decode(tiff, sizeof tiff, "a.tif", 1, 0, &img, &err), CDX_EUNSUPPORTED);
    assert_string_equal(err.message, "a.tif: TIFF is not supported");
    const uint8_t heic[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0};
    assert_int_equal(img_decode(heic, sizeof heic, "b.heic", 1, 0, &img, &err), CDX_EUNSUPPORTED);
    assert_string_equal(err.message, "b.heic: HEIC is not supported");
    const uint8_t text[] = "hello world";
    assert_int_equal(img_decode(text, 11, "c.txt", 1, 0, &img, &err), CDX_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "c.txt: unsupported format"));
    assert_non_null(strstr(err.message, "68 65 6c 6c"));
    /* BMP variants we refuse are named too */
    uint8_t bmp[54] = {'B', 'M'};
    bmp[14] = 40; bmp[18] = 4; bmp[22] = 4; bmp[26] = 1; bmp[28] = 8; bmp[30] = 1; /* RLE8 */
    assert_int_equal(img_decode(bmp, sizeof bmp, "d.bmp", 1, 0, &img, &err), CDX_EUNSUPPORTED);
    assert_string_equal(err.message, "d.bmp: RLE-compressed BMP is not supported");
    assert_null(img);
}

static void test_file_errors_name_path_and_reason(void **state) {
    (void)state;
    char *dir = make_temp_dir();
    cdx_image *img = NULL;
    cdx_image_info info;
    cdx_error err = {0};
    char *empty = write_temp(dir, "empty.png", "", 0);
    assert_int_equal(cdx_image_load_file(empty, NULL, &img, &err), CDX_EEMPTY);
    assert_non_null(strstr(err.message, "empty.png: empty file"));
    assert_int_equal(cdx_image_probe_file(empty, NULL, &info, &err), CDX_EEMPTY);
    assert_int_equal(cdx_image_load_mem("", 0, "mem", NULL, &img, &err), CDX_EEMPTY);

    assert_int_equal(cdx_image_load_file(dir, NULL, &img, &err), CDX_EIO);
    assert_non_null(strstr(err.message, "is a directory"));
    assert_int_equal(cdx_image_probe_file(dir, NULL, &info, &err), CDX_EIO);

    char missing[4096];
    snprintf(missing, sizeof missing, "%s/nope.jpg", dir);
    assert_int_equal(cdx_image_load_file(missing, NULL, &img, &err), CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "nope.jpg: cannot open (No such file"));

    char *unreadable = write_temp(dir, "locked.png", "x", 1);
    chmod(unreadable, 0);
    int rc = cdx_image_load_file(unreadable, NULL, &img, &err);
    assert_true(rc == CDX_EIO || rc == CDX_EUNSUPPORTED); /* root can still read it */
    assert_null(img);
    free(empty);
    free(unreadable);
    remove_tree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff_by_magic_numbers),
        cmocka_unit_test(test_misleading_extension_is_ignored),
        cmocka_unit_test(test_unsupported_formats_say_what_they_are),
        cmocka_unit_test(test_file_errors_name_path_and_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
