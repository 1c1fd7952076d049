/*
 * test_page21_corrupt.c — corrupt 2.1 pages never crash: random byte flips and truncations of
 * the fixtures' page bytes either decode or fail with an error naming the file (run it under
 * ASan/UBSan to see no out-of-bounds access or UB).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lance/datafile.h"
#include "lance_fixture.h"

static const struct {
    const char *table;
    lance_type types[5];
    uint32_t dims[5];
    uint32_t ncols;
} cases[] = {
    {"enc_ints_v21", {LANCE_TYPE_INT64, LANCE_TYPE_INT64, LANCE_TYPE_INT64, LANCE_TYPE_INT64,
                      LANCE_TYPE_INT64}, {1, 1, 1, 1, 1}, 5},
    {"enc_strings_v21", {LANCE_TYPE_UTF8, LANCE_TYPE_UTF8, LANCE_TYPE_UTF8}, {1, 1, 1}, 3},
    {"enc_longstr_v21", {LANCE_TYPE_INT64, LANCE_TYPE_UTF8, LANCE_TYPE_UTF8}, {1, 1, 1}, 3},
    {"enc_vec768_nulls_v21", {LANCE_TYPE_INT64, LANCE_TYPE_FSL_F32}, {1, 768}, 2},
    {"t8_nulls_v21", {LANCE_TYPE_INT64, LANCE_TYPE_UTF8, LANCE_TYPE_FSL_F32}, {1, 1, 8}, 3},
};

/* Decodes every column of a (possibly corrupt) copy; returns how many columns failed. */
static int decode_all(const uint8_t *bytes, size_t len, size_t ci) {
    lance_datafile *df = NULL;
    cdx_error err = {0};
    if (lance_datafile_open_mem("corrupt.lance", bytes, len, &df, &err) != CDX_OK) {
        assert_true(strstr(err.message, "corrupt.lance") != NULL);
        return 1;
    }
    int failed = 0;
    for (uint32_t c = 0; c < cases[ci].ncols; c++) {
        lance_column col;
        memset(&col, 0, sizeof col);
        if (lance_datafile_read_column(df, c, cases[ci].types[c], cases[ci].dims[c], &col,
                                       &err) != CDX_OK) {
            assert_true(strstr(err.message, "corrupt.lance") != NULL);
            failed++;
        }
        lance_column_free(&col);
    }
    lance_datafile_close(df);
    return failed;
}

static void test_random_flips_in_page_bytes_never_crash(void **state) {
    (void)state;
    srand(11);
    int failures = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        char *path = lance_fixture_datafile(cases[ci].table);
        assert_non_null(path);
        size_t len;
        uint8_t *orig = read_whole_file(path, &len);
        uint8_t *copy = malloc(len);
        assert_int_equal(decode_all(orig, len, ci), 0);
        for (int iter = 0; iter < 300; iter++) {
            memcpy(copy, orig, len);
            const size_t page_end = len > 2048 ? len - 2048 : len / 2; /* mostly page data */
            for (int k = 0; k < 1 + iter % 4; k++) {
                const size_t at = (size_t)rand() % page_end;
                copy[at] = (uint8_t)(iter % 3 == 0 ? 0xff : rand());
            }
            failures += decode_all(copy, len, ci);
        }
        free(copy);
        free(orig);
        free(path);
    }
    assert_true(failures > 0); /* the flips do hit checks */
}

static void test_truncated_files_fail_cleanly(void **state) {
    (void)state;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        char *path = lance_fixture_datafile(cases[ci].table);
        size_t len;
        uint8_t *orig = read_whole_file(path, &len);
        for (size_t cut = 1; cut < len; cut += len / 37 + 1)
            assert_true(decode_all(orig, len - cut, ci) > 0);
        free(orig);
        free(path);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_flips_in_page_bytes_never_crash),
        cmocka_unit_test(test_truncated_files_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
