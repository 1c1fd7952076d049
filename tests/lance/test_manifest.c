/*
 * test_manifest.c — versions, manifests and deletion files of LanceDB-written tables:
 * t8_v21_multi's three versions (create 100, add 50, delete file_id % 10 == 3 → 135 live rows),
 * its Arrow IPC deletion files, and t8_ivfpq's manifest whose IndexSection is ignored.
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
#include "clipdex.h"
#include "lance/deletion.h"
#include "lance/manifest.h"

static void test_multi_versions_are_listed_in_order(void **state)
{
    (void)state;
    lance_versions vs;
    cdx_error err = {0};
    assert_int_equal(lance_versions_list(fixture_path("lancedb-0.31/db/t8_v21_multi.lance"), &vs,
                                         &err), CDX_OK);
    assert_int_equal(vs.count, 3);
    for (uint64_t i = 0; i < 3; i++) assert_int_equal(vs.versions[i], i + 1);
    assert_string_equal(vs.files[0], "18446744073709551614.manifest");
    lance_versions_free(&vs);
}

static void test_time_travel_gives_each_versions_row_count(void **state)
{
    (void)state;
    static const uint64_t rows[] = {100, 150, 135}, frags[] = {1, 2, 2};
    for (uint64_t v = 1; v <= 3; v++) {
        cdx_table *t;
        cdx_error err = {0};
        assert_int_equal(cdx_table_open(fixture_path("lancedb-0.31/db"), "t8_v21_multi", v, &t,
                                        &err), CDX_OK);
        assert_int_equal(cdx_table_version(t), v);
        assert_int_equal(cdx_table_latest_version(t), 3);
        assert_int_equal(cdx_table_num_rows(t), rows[v - 1]);
        cdx_table_close(t);
        Lance__Table__Manifest *m;
        assert_int_equal(lance_manifest_load(fixture_path("lancedb-0.31/db/t8_v21_multi.lance"),
                                             v, &m, &err), CDX_OK);
        assert_int_equal(m->n_fragments, frags[v - 1]);
        assert_int_equal(m->reader_feature_flags, v == 3 ? 1 : 0);
        assert_string_equal(m->data_format->version, "2.1");
        lance__table__manifest__free_unpacked(m, NULL);
    }
}

/* Applies the deletion file of fragment `frag` and returns the deleted offsets as a bitmap. */
static void check_deletions(int frag, uint64_t rows, uint64_t first, uint64_t last)
{
    const char *dir = fixture_path("lancedb-0.31/db/t8_v21_multi.lance/_deletions");
    char *dcopy = strdup(dir);
    DIR *d = opendir(dcopy);
    assert_non_null(d);
    struct dirent *e;
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%d-", frag);
    int found = 0;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dcopy, e->d_name);
        size_t len;
        uint8_t *data = read_whole_file(path, &len);
        uint8_t keep[32];
        memset(keep, 0xff, sizeof keep);
        cdx_error err = {0};
        assert_int_equal(lance_deletion_apply_arrow(path, data, len, keep, rows, &err), CDX_OK);
        for (uint64_t r = 0; r < rows; r++) {
            int deleted = !(keep[r / 8] >> (r % 8) & 1);
            assert_int_equal(deleted, r % 10 == 3 && r >= first && r <= last);
        }
        /* A fragment shorter than the largest offset makes the file corrupt. */
        assert_int_equal(lance_deletion_apply_arrow(path, data, len, keep, last, &err),
                         CDX_ECORRUPT);
        free(data);
        found++;
    }
    closedir(d);
    free(dcopy);
    assert_int_equal(found, 1);
}

static void test_arrow_deletion_files_list_offsets_ending_in_3(void **state)
{
    (void)state;
    check_deletions(0, 100, 3, 93);
    check_deletions(1, 50, 3, 43);
}

static void test_ivfpq_manifest_has_index_section_and_is_read(void **state)
{
    (void)state;
    cdx_error err = {0};
    Lance__Table__Manifest *m;
    assert_int_equal(lance_manifest_load(fixture_path("lancedb-0.31/db/t8_ivfpq.lance"), 0, &m,
                                         &err), CDX_OK);
    assert_int_equal(m->version, 2);
    assert_int_equal(m->_index_section_case, LANCE__TABLE__MANIFEST___INDEX_SECTION_INDEX_SECTION);
    assert_int_equal(m->index_section, 0);
    assert_int_equal(m->_transaction_section_case,
                     LANCE__TABLE__MANIFEST___TRANSACTION_SECTION_TRANSACTION_SECTION);
    assert_int_equal(m->transaction_section, 420);
    assert_int_equal(m->fragments[0]->physical_rows, 512);
    lance__table__manifest__free_unpacked(m, NULL);
    cdx_table *t;
    assert_int_equal(cdx_table_open(fixture_path("lancedb-0.31/db"), "t8_ivfpq", 0, &t, &err),
                     CDX_OK);
    assert_int_equal(cdx_table_num_rows(t), 512);
    assert_int_equal(cdx_table_num_columns(t), 3);
    cdx_table_close(t);
}

/* The older manifest naming (`_versions/{version}.manifest`, lance's V1 scheme) is read like
 * the V2 names LanceDB 0.31 writes: a copy of t8_v21_multi renamed to V1 names gives the same
 * versions and row counts. */
static void test_v1_manifest_names_are_read_like_v2(void **state)
{
    (void)state;
    char *db = make_temp_dir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s/'", fixture_path("lancedb-0.31/db/t8_v21_multi.lance"),
             db);
    assert_int_equal(system(cmd), 0); // NOLINT(cert-env33-c): copies a fixture tree
    for (uint64_t v = 1; v <= 3; v++) {
        char from[4200], to[4200];
        snprintf(from, sizeof from, "%s/t8_v21_multi.lance/_versions/%llu.manifest", db,
                 (unsigned long long)(UINT64_MAX - v));
        snprintf(to, sizeof to, "%s/t8_v21_multi.lance/_versions/%llu.manifest", db,
                 (unsigned long long)v);
        assert_int_equal(rename(from, to), 0);
    }
    static const uint64_t rows[] = {100, 150, 135};
    for (uint64_t v = 0; v <= 3; v++) {
        cdx_table *t;
        cdx_error err = {0};
        int rc = cdx_table_open(db, "t8_v21_multi", v, &t, &err);
        if (rc) fail_msg("version %llu: %s", (unsigned long long)v, err.message);
        assert_int_equal(cdx_table_version(t), v ? v : 3);
        assert_int_equal(cdx_table_num_rows(t), rows[(v ? v : 3) - 1]);
        cdx_table_close(t);
    }
    remove_tree(db);
    free(db);
}

/* A Roaring bitmap in the portable no-run format holding {1, 5, 70000}. */
static void test_roaring_portable_bitmap_marks_its_values(void **state)
{
    (void)state;
    static const uint8_t bm[] = {
        0x3a, 0x30, 0, 0, 2, 0, 0, 0,       /* cookie 12346, 2 containers */
        0, 0, 1, 0, 1, 0, 0, 0,             /* key 0 card 2, key 1 card 1 */
        24, 0, 0, 0, 28, 0, 0, 0,           /* offsets */
        1, 0, 5, 0,                         /* container 0 */
        0x70, 0x11,                         /* container 1: 70000 - 65536 = 4464 */
    };
    uint64_t rows = 70001;
    uint8_t *keep = malloc(rows / 8 + 1);
    memset(keep, 0xff, rows / 8 + 1);
    cdx_error err = {0};
    assert_int_equal(lance_deletion_apply_roaring("bm", bm, sizeof bm, keep, rows, &err), CDX_OK);
    for (uint64_t r = 0; r < rows; r++)
        assert_int_equal(!(keep[r / 8] >> (r % 8) & 1), r == 1 || r == 5 || r == 70000);
    assert_int_equal(lance_deletion_apply_roaring("bm", bm, sizeof bm - 1, keep, rows, &err),
                     CDX_ETRUNCATED);
    assert_int_equal(lance_deletion_apply_roaring("bm", bm, sizeof bm, keep, 70000, &err),
                     CDX_ECORRUPT);
    free(keep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multi_versions_are_listed_in_order),
        cmocka_unit_test(test_time_travel_gives_each_versions_row_count),
        cmocka_unit_test(test_arrow_deletion_files_list_offsets_ending_in_3),
        cmocka_unit_test(test_ivfpq_manifest_has_index_section_and_is_read),
        cmocka_unit_test(test_v1_manifest_names_are_read_like_v2),
        cmocka_unit_test(test_roaring_portable_bitmap_marks_its_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
