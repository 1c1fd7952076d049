/*
 * test_table_write.c — the table writer (create / add / appender / delete) read back through the
 * reader: create modes, exact values of appended batches, multi-fragment streaming, 2.0 tables,
 * nulls, deletes by ids and by name, time travel, and appends to LanceDB-written fixtures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"
#include "table_write_util.h"

static char *db;

static int setup(void **state)
{
    (void)state;
    db = make_temp_dir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(db);
    free(db);
    return 0;
}

static cdx_table *create8(const char *name, const char *storage)
{
    cdx_table *t = NULL;
    cdx_error err = {0};
    int rc = cdx_table_create(db, name, tw_recipe8, 3, CDX_CREATE, storage, &t, &err);
    if (rc) fail_msg("create %s: %s", name, err.message);
    return t;
}

static void add_range(cdx_table *t, int64_t start, size_t n)
{
    cdx_rows *r;
    cdx_error err = {0};
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    assert_int_equal(tw_fill(r, start, n, cdx_table_column_dim(t, 2), &err), 0);
    if (cdx_table_add(t, r, &err)) fail_msg("add: %s", err.message);
    cdx_rows_free(r);
}

static void expect_range(const char *name, uint64_t version, int64_t lo, int64_t hi)
{
    cdx_table *t;
    cdx_error err = {0};
    if (cdx_table_open(db, name, version, &t, &err)) fail_msg("open: %s", err.message);
    int64_t *ids;
    long n = tw_scan_ids(t, &ids);
    assert_true(tw_ids_range(ids, n, lo, hi));
    assert_int_equal(cdx_table_num_rows(t), (uint64_t)(hi - lo));
    free(ids);
    cdx_table_close(t);
}

static void test_create_makes_empty_version_1_with_schema(void **state)
{
    (void)state;
    cdx_table *t = create8("empty", NULL);
    assert_int_equal(cdx_table_version(t), 1);
    assert_int_equal(cdx_table_num_rows(t), 0);
    assert_int_equal(cdx_table_num_columns(t), 3);
    assert_string_equal(cdx_table_column_name(t, 2), "vector");
    assert_int_equal(cdx_table_column_type(t, 2), CDX_COLUMN_VECTOR_F32);
    assert_int_equal(cdx_table_column_dim(t, 2), 8);
    assert_int_equal(cdx_table_column_type(t, 1), CDX_COLUMN_UTF8);
    cdx_table_close(t);
}

static void test_create_modes_fail_overwrite_and_exist_ok(void **state)
{
    (void)state;
    cdx_table *t = create8("modes", NULL), *t2 = NULL;
    add_range(t, 0, 10);
    cdx_error err = {0};
    assert_int_equal(cdx_table_create(db, "modes", tw_recipe8, 3, CDX_CREATE, NULL, &t2, &err),
                     CDX_EEXIST);
    assert_int_equal(cdx_table_create(db, "modes", tw_recipe8, 3, CDX_EXIST_OK, NULL, &t2, &err), 0);
    assert_int_equal(cdx_table_version(t2), 2);
    assert_int_equal(cdx_table_num_rows(t2), 10);
    cdx_table_close(t2);
    const cdx_field other[] = {{"id", CDX_COLUMN_INT64, 0, 1}};
    assert_int_equal(cdx_table_create(db, "modes", other, 1, CDX_EXIST_OK, NULL, &t2, &err),
                     CDX_EEXIST);
    assert_int_equal(cdx_table_create(db, "modes", other, 1, CDX_OVERWRITE, NULL, &t2, &err), 0);
    assert_int_equal(cdx_table_version(t2), 3);
    assert_int_equal(cdx_table_num_rows(t2), 0);
    assert_int_equal(cdx_table_num_columns(t2), 1);
    assert_false(cdx_table_column_nullable(t2, 0));
    cdx_table_close(t2);
    expect_range("modes", 2, 0, 10); /* the overwritten version stays readable */
    cdx_table_close(t);
}

static void test_appends_read_back_exactly_and_time_travel(void **state)
{
    (void)state;
    cdx_table *t = create8("append", NULL);
    add_range(t, 0, 100);
    add_range(t, 100, 37);
    add_range(t, 137, 1);
    assert_int_equal(cdx_table_version(t), 4);
    assert_int_equal(cdx_table_num_rows(t), 138);
    cdx_table_close(t);
    expect_range("append", 0, 0, 138);
    expect_range("append", 2, 0, 100);
    expect_range("append", 3, 0, 137);
    expect_range("append", 1, 0, 0);
}

static void test_appender_streams_batches_into_one_multi_fragment_commit(void **state)
{
    (void)state;
    cdx_table *t = create8("stream", NULL);
    cdx_appender *a;
    cdx_error err = {0};
    cdx_rows *r;
    assert_int_equal(cdx_appender_open(t, &a, &err), 0);
    cdx_appender_set_max_rows_per_file(a, 250);
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    for (int b = 0; b < 10; b++) {
        cdx_rows_clear(r);
        assert_int_equal(tw_fill(r, b * 100, 100, 8, &err), 0);
        assert_int_equal(cdx_appender_add(a, r, &err), 0);
    }
    cdx_rows_free(r);
    expect_range("stream", 0, 0, 0); /* nothing visible before commit */
    if (cdx_appender_commit(a, &err)) fail_msg("commit: %s", err.message);
    assert_int_equal(cdx_table_version(t), 2);
    cdx_table_close(t);
    expect_range("stream", 0, 0, 1000);
    /* 1000 rows at 250 per file: 4 fragments, each a batch of the scan. */
    cdx_table *t2;
    assert_int_equal(cdx_table_open(db, "stream", 0, &t2, &err), 0);
    cdx_scan *s;
    const cdx_batch *b;
    int batches = 0;
    assert_int_equal(cdx_scan_open(t2, &s, &err), 0);
    while (!cdx_scan_next(s, &b, &err) && b) {
        assert_int_equal(cdx_batch_num_rows(b), 250);
        assert_int_equal(cdx_batch_row_id(b, 0) >> 32, (uint64_t)batches);
        batches++;
    }
    assert_int_equal(batches, 4);
    cdx_scan_close(s);
    cdx_table_close(t2);
}

/* Whether directory `sub` of table `name` holds a file whose name contains `part`. */
static int table_dir_has(const char *name, const char *sub, const char *part)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.lance/%s", db, name, sub);
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d))) found |= strstr(e->d_name, part) != NULL;
    closedir(d);
    return found;
}

static void expect_hint(const char *name, const char *want)
{
    char path[4096], got[64] = {0};
    snprintf(path, sizeof path, "%s/%s.lance/_versions/latest_version_hint.json", db, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = 0;
    assert_string_equal(got, want);
}

/* The commit finds the head by probing upwards from the version the handle knows: a handle left
 * behind by another writer, or one whose known manifest was cleaned up, still commits on top. */
static void test_stale_handles_commit_on_the_latest_version(void **state)
{
    (void)state;
    cdx_table *t1 = create8("stale", NULL), *t2;
    cdx_error err = {0};
    assert_int_equal(cdx_table_open(db, "stale", 0, &t2, &err), 0);
    add_range(t1, 0, 10);
    add_range(t1, 10, 10);
    add_range(t2, 20, 10); /* t2 knows version 1; versions 2 and 3 exist */
    assert_int_equal(cdx_table_version(t2), 4);
    char path[4096];
    snprintf(path, sizeof path, "%s/stale.lance/_versions/%020llu.manifest", db,
             (unsigned long long)(UINT64_MAX - 4));
    add_range(t1, 30, 10); /* t1 knows 3: version 5 */
    assert_int_equal(unlink(path), 0); /* version 4 cleaned up: t2's known version is gone */
    add_range(t2, 40, 10);
    assert_int_equal(cdx_table_version(t2), 6);
    expect_range("stale", 0, 0, 50);
    for (int i = 0; i < 5; i++) add_range(t2, 50 + 10 * i, 10);
    expect_range("stale", 11, 0, 100);
    expect_hint("stale", "{\"version\":11}");
    assert_false(table_dir_has("stale", "_versions", ".tmp"));
    assert_false(table_dir_has("stale", "data", ".tmp"));
    cdx_table_close(t1);
    cdx_table_close(t2);
}

static void test_appender_abort_leaves_no_version(void **state)
{
    (void)state;
    cdx_table *t = create8("abort", NULL);
    cdx_appender *a;
    cdx_error err = {0};
    cdx_rows *r;
    assert_int_equal(cdx_appender_open(t, &a, &err), 0);
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    assert_int_equal(tw_fill(r, 0, 10, 8, &err), 0);
    assert_int_equal(cdx_appender_add(a, r, &err), 0);
    cdx_appender_abort(a);
    cdx_rows_free(r);
    cdx_table_close(t);
    expect_range("abort", 0, 0, 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/abort.lance/data", db);
    DIR *d = opendir(path);
    int files = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) files += e->d_name[0] != '.';
    if (d) closedir(d);
    assert_int_equal(files, 0);
}

static void test_storage_2_0_table_writes_2_0_files(void **state)
{
    (void)state;
    cdx_table *t = create8("v20", "2.0");
    add_range(t, 0, 40);
    add_range(t, 40, 60);
    cdx_table_close(t);
    expect_range("v20", 0, 0, 100);
    char path[4200];
    snprintf(path, sizeof path, "%s/v20.lance/data", db);
    DIR *d = opendir(path);
    struct dirent *e;
    int files = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char f[4600];
        snprintf(f, sizeof f, "%s/%s", path, e->d_name);
        size_t len;
        uint8_t *bytes = read_whole_file(f, &len);
        assert_true(len > 40);
        assert_int_equal(bytes[len - 8] | bytes[len - 7] << 8, 0); /* footer major 0, minor 3 = 2.0 */
        assert_int_equal(bytes[len - 6] | bytes[len - 5] << 8, 3);
        free(bytes);
        files++;
    }
    if (d) closedir(d);
    assert_int_equal(files, 2);
}

static void test_nulls_and_unset_columns_read_back_null(void **state)
{
    (void)state;
    cdx_table *t = create8("nulls", NULL);
    cdx_rows *r;
    cdx_error err = {0};
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    int64_t ids[4] = {1, 2, 3, 4};
    const char *names[4] = {"a", NULL, "ccc", ""};
    uint8_t valid = 0x0b; /* row 2 null */
    assert_int_equal(cdx_rows_set_int64(r, "file_id", ids, 4, &err), 0);
    assert_int_equal(cdx_rows_set_validity(r, "file_id", &valid, &err), 0);
    assert_int_equal(cdx_rows_set_utf8(r, "file_name", names, 4, &err), 0);
    assert_int_equal(cdx_rows_set_int64(r, "file_id", ids, 3, &err), CDX_EINVAL); /* count */
    assert_int_equal(cdx_table_add(t, r, &err), 0);
    cdx_rows_free(r);
    cdx_scan *s;
    const cdx_batch *b;
    assert_int_equal(cdx_scan_open(t, &s, &err), 0);
    assert_int_equal(cdx_scan_next(s, &b, &err), 0);
    assert_non_null(b);
    assert_int_equal(cdx_batch_num_rows(b), 4);
    assert_false(cdx_batch_is_null(b, 0, 1));
    assert_true(cdx_batch_is_null(b, 0, 2));
    assert_true(cdx_batch_is_null(b, 1, 1));
    assert_false(cdx_batch_is_null(b, 1, 3));
    size_t len;
    const char *s2 = cdx_batch_utf8(b, 1, 2, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(s2, "ccc", 3);
    for (uint64_t i = 0; i < 4; i++) assert_true(cdx_batch_is_null(b, 2, i));
    assert_int_equal(cdx_batch_int64(b, 0)[3], 4);
    cdx_scan_close(s);
    cdx_table_close(t);
}

static void test_delete_by_ids_and_by_name_then_read_back(void **state)
{
    (void)state;
    cdx_table *t = create8("del", NULL);
    add_range(t, 0, 100);
    add_range(t, 100, 50);
    cdx_error err = {0};
    uint64_t n = 0;
    const int64_t ids[] = {3, 13, 103, 149, 5000};
    if (cdx_table_delete_ids(t, "file_id", ids, 5, &n, &err)) fail_msg("%s", err.message);
    assert_int_equal(n, 4);
    assert_int_equal(cdx_table_version(t), 4);
    assert_int_equal(cdx_table_num_rows(t), 146);
    assert_int_equal(cdx_table_delete_eq_utf8(t, "file_name", "img_50.png", &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cdx_table_delete_eq_utf8(t, "file_name", "img_3.png", &n, &err), 0);
    assert_int_equal(n, 0); /* already gone: no new version */
    assert_int_equal(cdx_table_version(t), 5);
    int64_t *got;
    long cnt = tw_scan_ids(t, &got);
    assert_int_equal(cnt, 145);
    for (long i = 0; i < cnt; i++)
        assert_true(got[i] != 3 && got[i] != 13 && got[i] != 103 && got[i] != 149 && got[i] != 50);
    free(got);
    /* delete a whole fragment: it disappears from the manifest */
    int64_t all[50];
    for (int i = 0; i < 50; i++) all[i] = 100 + i;
    assert_int_equal(cdx_table_delete_ids(t, "file_id", all, 50, &n, &err), 0);
    assert_int_equal(n, 48);
    assert_int_equal(cdx_table_num_rows(t), 97);
    add_range(t, 1000, 5); /* appends after deletes keep working */
    assert_int_equal(cdx_table_num_rows(t), 102);
    cdx_table_close(t);
    expect_range("del", 3, 0, 150);
}

static void copy_fixture(const char *name)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp -r '%s/%s.lance' '%s/'",
             fixture_path("lancedb-0.31/db"), name, db);
    int rc = system(cmd); // NOLINT(cert-env33-c): test helper, fixture and dir paths are ours
    assert_int_equal(rc, 0);
}

static void test_append_to_lancedb_fixtures_keeps_format_deletions_and_index(void **state)
{
    (void)state;
    cdx_error err = {0};
    cdx_table *t;
    /* 2.0 table: appended files are 2.0, old + new rows read back. */
    copy_fixture("t8_v20");
    assert_int_equal(cdx_table_open(db, "t8_v20", 0, &t, &err), 0);
    add_range(t, 100, 20);
    assert_int_equal(cdx_table_version(t), 2);
    cdx_table_close(t);
    expect_range("t8_v20", 0, 0, 120);
    /* Multi-version table with LanceDB deletion files: they stay applied. */
    copy_fixture("t8_v21_multi");
    assert_int_equal(cdx_table_open(db, "t8_v21_multi", 0, &t, &err), 0);
    add_range(t, 150, 10);
    assert_int_equal(cdx_table_num_rows(t), 145);
    const int64_t gone[] = {0, 1};
    uint64_t n;
    assert_int_equal(cdx_table_delete_ids(t, "file_id", gone, 2, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(cdx_table_num_rows(t), 143);
    cdx_table_close(t);
    /* Indexed table: the IndexSection is carried into the new manifest. */
    copy_fixture("t8_ivfpq");
    assert_int_equal(cdx_table_open(db, "t8_ivfpq", 0, &t, &err), 0);
    add_range(t, 512, 8);
    cdx_table_close(t);
    expect_range("t8_ivfpq", 0, 0, 520);
    char path[4200];
    snprintf(path, sizeof path, "%s/t8_ivfpq.lance/_versions/%020llu.manifest", db,
             (unsigned long long)(UINT64_MAX - 3));
    size_t len;
    uint8_t *bytes = read_whole_file(path, &len);
    const uint8_t *hit = NULL;
    for (size_t i = 0; i + 10 <= len && !hit; i++)
        if (!memcmp(bytes + i, "vector_idx", 10)) hit = bytes + i;
    assert_non_null(hit);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_makes_empty_version_1_with_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_modes_fail_overwrite_and_exist_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appends_read_back_exactly_and_time_travel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appender_streams_batches_into_one_multi_fragment_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_handles_commit_on_the_latest_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appender_abort_leaves_no_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_2_0_table_writes_2_0_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nulls_and_unset_columns_read_back_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_by_ids_and_by_name_then_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_to_lancedb_fixtures_keeps_format_deletions_and_index, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
