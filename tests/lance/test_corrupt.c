/*
 * test_corrupt.c — damaged manifests and data files give errors, never crashes: every
 * truncation of a manifest fails; byte flips of manifests and data files either fail cleanly or
 * decode (the CDX_SANITIZE build checks there is no out-of-bounds access either way).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"
#include "lance/datafile.h"
#include "lance/manifest.h"

static uint8_t *read_first(const char *dir_rel, const char *suffix, size_t *len, char *name)
{
    char dir[4096];
    *len = 0; /* set even when no file matches (assert_non_null below then fails the test) */
    snprintf(dir, sizeof dir, "%s", fixture_path(dir_rel));
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    uint8_t *data = NULL;
    while ((e = readdir(d)))
        if (strstr(e->d_name, suffix)) {
            snprintf(name, 4400, "%s/%s", dir, e->d_name);
            data = read_whole_file(name, len);
            break;
        }
    closedir(d);
    assert_non_null(data);
    return data;
}

static void test_every_manifest_truncation_is_an_error(void **state)
{
    (void)state;
    char name[4400];
    size_t len;
    uint8_t *data = read_first("lancedb-0.31/db/t8_ivfpq.lance/_versions",
                               "18446744073709551613.manifest", &len, name);
    cdx_error err = {0};
    Lance__Table__Manifest *m;
    assert_int_equal(lance_manifest_parse(name, data, len, &m, &err), CDX_OK);
    lance__table__manifest__free_unpacked(m, NULL);
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, data, n);
        assert_int_not_equal(lance_manifest_parse("cut", copy, n, &m, &err), CDX_OK);
        assert_null(m);
        free(copy);
    }
    free(data);
}

static void test_manifest_byte_flips_never_crash(void **state)
{
    (void)state;
    char name[4400];
    size_t len;
    uint8_t *data = read_first("lancedb-0.31/db/t8_v21_multi.lance/_versions",
                               "18446744073709551612.manifest", &len, name);
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            cdx_error err = {0};
            Lance__Table__Manifest *m;
            data[i] ^= (uint8_t)(1u << bit);
            if (lance_manifest_parse("flip", data, len, &m, &err) == CDX_OK)
                lance__table__manifest__free_unpacked(m, NULL);
            else
                assert_true(strlen(err.message) > 0);
            data[i] ^= (uint8_t)(1u << bit);
        }
    free(data);
}

/* Opens bytes as a data file and decodes every column as its schema says. */
static int read_all_columns(const uint8_t *data, size_t len)
{
    cdx_error err = {0};
    lance_datafile *df;
    int rc = lance_datafile_open_mem("df", data, len, &df, &err);
    if (rc) return rc;
    static const lance_type types[] = {LANCE_TYPE_INT64, LANCE_TYPE_UTF8, LANCE_TYPE_FSL_F32};
    for (uint32_t c = 0; c < 3 && c < lance_datafile_num_columns(df) && !rc; c++) {
        lance_column col = {0};
        rc = lance_datafile_read_column(df, c, types[c], 8, &col, &err);
        lance_column_free(&col);
    }
    lance_datafile_close(df);
    return rc;
}

static void test_data_file_truncations_and_flips_fail_cleanly(void **state)
{
    (void)state;
    char name[4400];
    size_t len;
    uint8_t *data = read_first("lancedb-0.31/db/t8_nulls_v20.lance/data", ".lance", &len, name);
    assert_int_equal(read_all_columns(data, len), CDX_OK);
    for (size_t n = 0; n < len; n += 7) {
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, data, n);
        assert_int_not_equal(read_all_columns(copy, n), CDX_OK);
        free(copy);
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        memcpy(copy, data, len);
        copy[i] ^= 0x5a;
        (void)read_all_columns(copy, len);
        free(copy);
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_manifest_truncation_is_an_error),
        cmocka_unit_test(test_manifest_byte_flips_never_crash),
        cmocka_unit_test(test_data_file_truncations_and_flips_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
