/*
 * test_page21_fixtures.c — every 2.1 page of the LanceDB 0.31 fixture tables decodes to the
 * values the fixtures' README formulas and expected.json give (bitpacking, RLE, FSST,
 * dictionary, def levels flat and bitpacked, full-zip fixed/variable/zstd, control words).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lance/datafile.h"
#include "lance_fixture.h"

typedef struct opened {
    lance_datafile *df;
} opened;

static lance_datafile *open_table(const char *table) {
    char *path = lance_fixture_datafile(table);
    assert_non_null(path);
    lance_datafile *df = NULL;
    cdx_error err = {0};
    int rc = lance_datafile_open(path, &df, &err);
    if (rc)
        print_error("%s\n", err.message);
    assert_int_equal(rc, CDX_OK);
    assert_int_equal(lance_datafile_minor(df), 1);
    free(path);
    return df;
}

static void read_col(lance_datafile *df, uint32_t c, lance_type t, uint32_t dim,
                     lance_column *col) {
    cdx_error err = {0};
    memset(col, 0, sizeof *col);
    int rc = lance_datafile_read_column(df, c, t, dim, col, &err);
    if (rc)
        print_error("column %u: %s\n", c, err.message);
    assert_int_equal(rc, CDX_OK);
}

static void assert_str(const lance_column *c, uint64_t row, const char *want) {
    assert_true(lance_column_is_valid(c, row));
    const uint64_t a = c->offsets[row], b = c->offsets[row + 1];
    assert_int_equal(b - a, strlen(want));
    assert_memory_equal(c->data + a, want, b - a);
}

static void test_ints_bitpacked_rle_flat_and_bitpacked_def_levels(void **state) {
    (void)state;
    lance_datafile *df = open_table("enc_ints_v21");
    lance_column c[5];
    for (uint32_t k = 0; k < 5; k++)
        read_col(df, k, LANCE_TYPE_INT64, 1, &c[k]);
    for (int64_t i = 0; i < 3000; i++) {
        const int64_t *v0 = c[0].values, *v1 = c[1].values, *v2 = c[2].values,
                      *v3 = c[3].values, *v4 = c[4].values;
        assert_int_equal(v0[i], i);
        if (i % 7 == 0) {
            assert_false(lance_column_is_valid(&c[1], (uint64_t)i));
            assert_int_equal(v1[i], 0);
        } else {
            assert_true(lance_column_is_valid(&c[1], (uint64_t)i));
            assert_int_equal(v1[i], 3 * i);
        }
        assert_int_equal(v2[i], -i);
        assert_int_equal(v3[i], 42);
        assert_int_equal(v4[i], (i % 5) * 1000 + (i % 3));
    }
    assert_null(c[0].validity);
    for (int k = 0; k < 5; k++)
        lance_column_free(&c[k]);
    lance_datafile_close(df);
}

static void test_strings_fsst_dictionary_and_nulls(void **state) {
    (void)state;
    static const char *const animals[] = {"cat", "dog", "bird", "fish"};
    lance_datafile *df = open_table("enc_strings_v21");
    lance_column c[3];
    for (uint32_t k = 0; k < 3; k++)
        read_col(df, k, LANCE_TYPE_UTF8, 1, &c[k]);
    char want[64];
    for (int i = 0; i < 3000; i++) {
        snprintf(want, sizeof want, "frame_%d_of_sequence.png", i);
        assert_str(&c[0], (uint64_t)i, want);
        assert_str(&c[1], (uint64_t)i, animals[i % 4]);
        if (i % 11 == 0) {
            assert_false(lance_column_is_valid(&c[2], (uint64_t)i));
            assert_int_equal(c[2].offsets[i + 1], c[2].offsets[i]);
        } else {
            snprintf(want, sizeof want, "file_%d.jpg", i);
            assert_str(&c[2], (uint64_t)i, want);
        }
    }
    for (int k = 0; k < 3; k++)
        lance_column_free(&c[k]);
    lance_datafile_close(df);
}

static void test_longstr_fullzip_variable_and_per_value_zstd(void **state) {
    (void)state;
    lance_datafile *df = open_table("enc_longstr_v21");
    lance_column id, s, huge;
    read_col(df, 0, LANCE_TYPE_INT64, 1, &id);
    read_col(df, 1, LANCE_TYPE_UTF8, 1, &s);
    read_col(df, 2, LANCE_TYPE_UTF8, 1, &huge);
    char *want = malloc(50000);
    assert_non_null(want);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(((int64_t *)id.values)[i], i);
        if (i == 4) {
            assert_false(lance_column_is_valid(&s, 4));
        } else {
            int n = sprintf(want, "row%d_", i);
            memset(want + n, 'x', 300 + (size_t)i);
            want[n + 300 + i] = 0;
            assert_str(&s, (uint64_t)i, want);
        }
        if (i < 3) {
            char unit[8];
            int u = sprintf(unit, "h%d", i);
            for (int k = 0; k < 20000; k++)
                memcpy(want + k * u, unit, (size_t)u);
            want[20000 * u] = 0;
            assert_str(&huge, (uint64_t)i, want);
        } else {
            assert_str(&huge, (uint64_t)i, "small");
        }
    }
    free(want);
    lance_column_free(&id);
    lance_column_free(&s);
    lance_column_free(&huge);
    lance_datafile_close(df);
}

static void assert_vectors(const lance_column *v, uint64_t rows, uint32_t dim, int64_t null_row) {
    const float *f = v->values;
    for (uint64_t i = 0; i < rows; i++) {
        if ((int64_t)i == null_row) {
            assert_false(lance_column_is_valid(v, i));
            for (uint32_t j = 0; j < dim; j++)
                assert_true(f[i * dim + j] == 0.0f);
            continue;
        }
        assert_true(lance_column_is_valid(v, i));
        for (uint32_t j = 0; j < dim; j++)
            assert_true(f[i * dim + j] == (float)((double)i + (double)j / 1000.0));
    }
    assert_null(v->item_validity);
}

static void test_vec768_fullzip_control_words_and_item_validity(void **state) {
    (void)state;
    lance_datafile *df = open_table("enc_vec768_nulls_v21");
    lance_column id, vec;
    read_col(df, 0, LANCE_TYPE_INT64, 1, &id);
    read_col(df, 1, LANCE_TYPE_FSL_F32, 768, &vec);
    for (int64_t i = 0; i < 10; i++)
        assert_int_equal(((int64_t *)id.values)[i], i);
    assert_vectors(&vec, 10, 768, 3);
    lance_column_free(&id);
    lance_column_free(&vec);
    lance_datafile_close(df);
}

static void test_t8_nulls_flat_def_levels(void **state) {
    (void)state;
    lance_datafile *df = open_table("t8_nulls_v21");
    lance_column id, name, vec;
    read_col(df, 0, LANCE_TYPE_INT64, 1, &id);
    read_col(df, 1, LANCE_TYPE_UTF8, 1, &name);
    read_col(df, 2, LANCE_TYPE_FSL_F32, 8, &vec);
    char want[32];
    for (int64_t i = 0; i < 10; i++) {
        assert_int_equal(lance_column_is_valid(&id, (uint64_t)i), i != 5);
        assert_int_equal(((int64_t *)id.values)[i], i == 5 ? 0 : i);
        if (i == 2 || i == 9) {
            assert_false(lance_column_is_valid(&name, (uint64_t)i));
        } else {
            snprintf(want, sizeof want, "img_%d.png", (int)i);
            assert_str(&name, (uint64_t)i, want);
        }
    }
    assert_vectors(&vec, 10, 8, 7);
    lance_column_free(&id);
    lance_column_free(&name);
    lance_column_free(&vec);
    lance_datafile_close(df);
}

static void check_plain_table(const char *table, uint64_t rows, uint32_t dim) {
    lance_datafile *df = open_table(table);
    lance_column id, name, vec;
    read_col(df, 0, LANCE_TYPE_INT64, 1, &id);
    read_col(df, 1, LANCE_TYPE_UTF8, 1, &name);
    read_col(df, 2, LANCE_TYPE_FSL_F32, dim, &vec);
    char want[32];
    for (uint64_t i = 0; i < rows; i++) {
        assert_int_equal(((int64_t *)id.values)[i], (int64_t)i);
        snprintf(want, sizeof want, "img_%d.png", (int)i);
        assert_str(&name, i, want);
    }
    assert_vectors(&vec, rows, dim, -1);
    assert_null(id.validity);
    lance_column_free(&id);
    lance_column_free(&name);
    lance_column_free(&vec);
    lance_datafile_close(df);
}

static void test_t768_fullzip_vectors_and_flat_miniblock(void **state) {
    (void)state;
    check_plain_table("t768_v21", 20, 768);
}

static void test_t8_miniblock_fsl_vectors(void **state) {
    (void)state;
    check_plain_table("t8_v21", 100, 8);
    check_plain_table("t8_ivfpq", 512, 8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints_bitpacked_rle_flat_and_bitpacked_def_levels),
        cmocka_unit_test(test_strings_fsst_dictionary_and_nulls),
        cmocka_unit_test(test_longstr_fullzip_variable_and_per_value_zstd),
        cmocka_unit_test(test_vec768_fullzip_control_words_and_item_validity),
        cmocka_unit_test(test_t8_nulls_flat_def_levels),
        cmocka_unit_test(test_t768_fullzip_vectors_and_flat_miniblock),
        cmocka_unit_test(test_t8_miniblock_fsl_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
