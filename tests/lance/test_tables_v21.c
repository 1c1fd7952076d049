/*
 * test_tables_v21.c — LanceDB-written 2.1 tables read back exactly (formulas of the fixture
 * README, nulls, deletions, time travel), through the table/scan API and the 2.1 page decoders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "support.h"
#include "lance_expect.h"

static const expect_nulls no_nulls = {expect_never, expect_never, expect_never};

static int id_null_5(uint64_t i) { return i == 5; }
static int name_null_2_9(uint64_t i) { return i == 2 || i == 9; }
static int vec_null_7(uint64_t i) { return i == 7; }

/* t8_v21_multi v3: rows 0..149 minus every file_id % 10 == 3. */
static uint64_t multi_row(uint64_t k) { return k / 9 * 10 + k % 9 + (k % 9 >= 3); }

static void check(const char *name, uint64_t version, uint64_t rows, uint32_t dim,
                  const expect_nulls *n, uint64_t (*row_of)(uint64_t))
{
    cdx_table *t = expect_open(name, version);
    assert_int_equal(cdx_table_num_rows(t), rows);
    assert_int_equal(expect_scan_formulas(t, dim, n, row_of), rows);
    cdx_table_close(t);
}

static void test_t768_v21_full_zip_vectors(void **state)
{
    (void)state;
    check("t768_v21", 0, 20, 768, &no_nulls, NULL);
}

static void test_t8_v21_mini_block(void **state)
{
    (void)state;
    check("t8_v21", 0, 100, 8, &no_nulls, NULL);
}

static void test_t8_nulls_v21_def_levels(void **state)
{
    (void)state;
    const expect_nulls n = {id_null_5, name_null_2_9, vec_null_7};
    check("t8_nulls_v21", 0, 10, 8, &n, NULL);
}

static void test_t8_v21_multi_versions_and_deletions(void **state)
{
    (void)state;
    check("t8_v21_multi", 1, 100, 8, &no_nulls, NULL);
    check("t8_v21_multi", 2, 150, 8, &no_nulls, NULL);
    check("t8_v21_multi", 3, 135, 8, &no_nulls, multi_row);
    check("t8_v21_multi", 0, 135, 8, &no_nulls, multi_row);
}

static void test_t8_ivfpq_bitpacked_ids_index_ignored(void **state)
{
    (void)state;
    check("t8_ivfpq", 0, 512, 8, &no_nulls, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t768_v21_full_zip_vectors),
        cmocka_unit_test(test_t8_v21_mini_block),
        cmocka_unit_test(test_t8_nulls_v21_def_levels),
        cmocka_unit_test(test_t8_v21_multi_versions_and_deletions),
        cmocka_unit_test(test_t8_ivfpq_bitpacked_ids_index_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
