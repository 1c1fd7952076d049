/*
 * test_tables_v20.c — every LanceDB-written 2.0 table in the fixtures reads back exactly as
 * expected.json and the fixture README say: row counts, schema, values of all rows, nulls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"
#include "lance_expect.h"

static const expect_nulls no_nulls = {expect_never, expect_never, expect_never};

static int id_null_5(uint64_t i) { return i == 5; }
static int name_null_2_9(uint64_t i) { return i == 2 || i == 9; }
static int vec_null_7(uint64_t i) { return i == 7; }
static int id_null_97(uint64_t i) { return i % 97 == 0; }

static void check_v20(const char *name, uint64_t rows, uint32_t dim, const expect_nulls *n)
{
    cdx_table *t = expect_open(name, 0);
    assert_int_equal(cdx_table_version(t), 1);
    assert_int_equal(cdx_table_num_rows(t), rows);
    assert_int_equal(expect_scan_formulas(t, dim, n, NULL), rows);
    cdx_table_close(t);
}

static void test_t768_v20_reads_all_20_rows_exactly(void **state)
{
    (void)state;
    check_v20("t768_v20", 20, 768, &no_nulls);
}

static void test_t8_v20_reads_all_100_rows_exactly(void **state)
{
    (void)state;
    check_v20("t8_v20", 100, 8, &no_nulls);
}

static void test_t8_nulls_v20_has_nulls_where_lancedb_wrote_them(void **state)
{
    (void)state;
    const expect_nulls n = {id_null_5, name_null_2_9, vec_null_7};
    check_v20("t8_nulls_v20", 10, 8, &n);
}

static void test_t768_v20_schema_matches_expected_json(void **state)
{
    (void)state;
    cdx_table *t = expect_open("t768_v20", 0);
    assert_int_equal(cdx_table_num_columns(t), 3);
    assert_string_equal(cdx_table_column_name(t, 0), "file_id");
    assert_string_equal(cdx_table_column_name(t, 1), "file_name");
    assert_string_equal(cdx_table_column_name(t, 2), "vector");
    for (size_t i = 0; i < 3; i++) assert_true(cdx_table_column_nullable(t, i));
    assert_int_equal(cdx_table_column_dim(t, 0), 1);
    cdx_table_close(t);
}

static void test_enc_dict_v20_dictionary_strings_and_null_ids(void **state)
{
    (void)state;
    static const char *animals[] = {"cat", "dog", "bird", "fish"};
    const expect_nulls n = {id_null_97, expect_never, expect_never};
    check_v20("enc_dict_v20", 1000, 8, &n);
    cdx_table *t = expect_open("enc_dict_v20", 0);
    long lc = cdx_table_column_index(t, "lowcard");
    assert_true(lc >= 0);
    cdx_error err = {0};
    cdx_scan *s;
    const cdx_batch *b;
    assert_int_equal(cdx_scan_open(t, &s, &err), CDX_OK);
    assert_int_equal(cdx_scan_next(s, &b, &err), CDX_OK);
    assert_non_null(b);
    assert_int_equal(cdx_batch_num_rows(b), 1000);
    for (uint64_t i = 0; i < 1000; i++) {
        size_t len;
        const char *v = cdx_batch_utf8(b, (size_t)lc, i, &len);
        assert_false(cdx_batch_is_null(b, (size_t)lc, i));
        assert_int_equal(len, strlen(animals[i % 4]));
        assert_memory_equal(v, animals[i % 4], len);
        assert_int_equal(cdx_batch_row_id(b, i), i);
    }
    assert_int_equal(cdx_scan_next(s, &b, &err), CDX_OK);
    assert_null(b);
    cdx_scan_close(s);
    cdx_table_close(t);
}

static void test_db_lists_all_13_tables_and_not_the_namespace(void **state)
{
    (void)state;
    char **names;
    size_t n;
    cdx_error err = {0};
    assert_int_equal(cdx_db_list_tables(fixture_path("lancedb-0.31/db"), &names, &n, &err),
                     CDX_OK);
    assert_int_equal(n, 13);
    assert_string_equal(names[0], "enc_dict_v20");
    assert_string_equal(names[12], "t8_v21_multi");
    cdx_db_free_names(names, n);
}

static void test_missing_table_and_version_are_not_found(void **state)
{
    (void)state;
    cdx_table *t;
    cdx_error err = {0};
    assert_int_equal(cdx_table_open(fixture_path("lancedb-0.31/db"), "nope", 0, &t, &err),
                     CDX_ENOTFOUND);
    assert_int_equal(cdx_table_open(fixture_path("lancedb-0.31/db"), "t8_v20", 9, &t, &err),
                     CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "no version 9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t768_v20_reads_all_20_rows_exactly),
        cmocka_unit_test(test_t8_v20_reads_all_100_rows_exactly),
        cmocka_unit_test(test_t8_nulls_v20_has_nulls_where_lancedb_wrote_them),
        cmocka_unit_test(test_t768_v20_schema_matches_expected_json),
        cmocka_unit_test(test_enc_dict_v20_dictionary_strings_and_null_ids),
        cmocka_unit_test(test_db_lists_all_13_tables_and_not_the_namespace),
        cmocka_unit_test(test_missing_table_and_version_are_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
