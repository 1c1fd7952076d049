/*
 * test_table_metadata.c — table metadata (src/lance/table_metadata.c) and the replace commit
 * (cdx_appender_commit_replace in src/lance/table_write.c): staged keys reach the next version
 * and every later one (append, delete, replace, a fresh handle), last value wins; a replace is
 * ONE version that deletes the old rows by file_name and adds the new ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "support.h"
#include "table_write_util.h"

static cdx_table *make_table(const char *db, int64_t rows)
{
    cdx_table *t;
    cdx_error err = {0};
    assert_int_equal(cdx_table_create(db, "t", tw_recipe8, 3, CDX_CREATE, NULL, &t, &err), 0);
    cdx_rows *r;
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    assert_int_equal(tw_fill(r, 0, (size_t)rows, 8, &err), 0);
    assert_int_equal(cdx_table_add(t, r, &err), 0);
    cdx_rows_free(r);
    return t;
}

static void test_staged_metadata_is_written_by_the_next_commit_and_carried_forward(void **s)
{
    (void)s;
    char *db = make_temp_dir();
    cdx_error err = {0};
    cdx_table *t = make_table(db, 4);
    assert_null(cdx_table_metadata(t, "clipdex.model"));
    assert_int_equal(cdx_table_set_metadata(t, "clipdex.model", "m1", &err), 0);
    assert_int_equal(cdx_table_set_metadata(t, "clipdex.model", "jina-clip-v1", &err), 0);
    assert_int_equal(cdx_table_set_metadata(t, "k2", "v2", &err), 0);
    assert_string_equal(cdx_table_metadata(t, "clipdex.model"), "jina-clip-v1"); /* staged */
    cdx_table *other;
    assert_int_equal(cdx_table_open(db, "t", 0, &other, &err), 0);
    assert_null(cdx_table_metadata(other, "clipdex.model")); /* nothing committed yet */
    cdx_table_close(other);
    cdx_rows *r;
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    assert_int_equal(tw_fill(r, 4, 2, 8, &err), 0);
    assert_int_equal(cdx_table_add(t, r, &err), 0);
    uint64_t v_add = cdx_table_version(t);
    /* a fresh handle sees the committed keys */
    assert_int_equal(cdx_table_open(db, "t", 0, &other, &err), 0);
    assert_string_equal(cdx_table_metadata(other, "clipdex.model"), "jina-clip-v1");
    assert_string_equal(cdx_table_metadata(other, "k2"), "v2");
    /* later commits through another handle carry them: add, delete */
    assert_int_equal(cdx_table_add(other, r, &err), 0);
    int64_t ids[] = {1};
    uint64_t deleted = 0;
    assert_int_equal(cdx_table_delete_ids(other, "file_id", ids, 1, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    assert_string_equal(cdx_table_metadata(other, "clipdex.model"), "jina-clip-v1");
    assert_int_equal(cdx_table_version(other), v_add + 2);
    cdx_table_close(other);
    /* older versions stay as they were */
    assert_int_equal(cdx_table_open(db, "t", v_add - 1, &other, &err), 0);
    assert_null(cdx_table_metadata(other, "k2"));
    cdx_table_close(other);
    assert_int_not_equal(cdx_table_set_metadata(t, "", "x", &err), 0);
    assert_int_equal(err.code, CDX_EINVAL);
    cdx_rows_free(r);
    cdx_table_close(t);
    remove_tree(db);
    free(db);
}

static void test_replace_deletes_old_rows_and_appends_new_ones_in_one_version(void **s)
{
    (void)s;
    char *db = make_temp_dir();
    cdx_error err = {0};
    cdx_table *t = make_table(db, 6); /* img_0.png .. img_5.png */
    uint64_t v0 = cdx_table_version(t);
    cdx_rows *r;
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    assert_int_equal(tw_fill(r, 2, 2, 8, &err), 0); /* new rows for img_2, img_3 */
    cdx_appender *a;
    assert_int_equal(cdx_appender_open(t, &a, &err), 0);
    assert_int_equal(cdx_appender_add(a, r, &err), 0);
    assert_int_equal(cdx_table_set_metadata(t, "tag", "replaced", &err), 0);
    const char *names[] = {"img_3.png", "img_2.png", "img_99.png"};
    uint64_t deleted = 0;
    assert_int_equal(cdx_appender_commit_replace(a, "file_name", names, 3, &deleted, &err), 0);
    assert_int_equal(deleted, 2);
    assert_int_equal(cdx_table_version(t), v0 + 1);
    assert_int_equal(cdx_table_num_rows(t), 6);
    assert_string_equal(cdx_table_metadata(t, "tag"), "replaced");
    int64_t *ids = NULL;
    long n = tw_scan_ids(t, &ids);
    assert_true(tw_ids_range(ids, n, 0, 6)); /* each id once */
    free(ids);
    /* a replace with no new rows is a delete; names that match nothing change nothing */
    assert_int_equal(cdx_appender_open(t, &a, &err), 0);
    const char *gone[] = {"img_0.png"};
    assert_int_equal(cdx_appender_commit_replace(a, "file_name", gone, 1, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(cdx_table_num_rows(t), 5);
    /* a column that is not utf8 is refused (and the appender freed) */
    assert_int_equal(cdx_appender_open(t, &a, &err), 0);
    assert_int_equal(cdx_appender_commit_replace(a, "file_id", gone, 1, NULL, &err), CDX_EINVAL);
    cdx_rows_free(r);
    cdx_table_close(t);
    remove_tree(db);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staged_metadata_is_written_by_the_next_commit_and_carried_forward),
        cmocka_unit_test(test_replace_deletes_old_rows_and_appends_new_ones_in_one_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
