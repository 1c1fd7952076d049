/*
 * test_index.c — the index job (src/indexer/index_job.c) against an in-test fake embedder:
 * incremental runs, changed, moved and vanished files (prune deletes only rows of files that
 * certainly no longer exist, and never every row under a path where the walk found nothing), resuming after an API stop, model
 * checks, undecodable files, tables made with the recipe's three columns only (their changes
 * cannot be seen: counted as unverified; reembed re-embeds), and dry runs that match the real
 * run's reuse of stored vectors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clipdex.h"
#include "fake_embedder.h"
#include "support.h"

static const char *const kImages[] = {"png_palette_400x300.png", "gif_palette_300x200.gif",
                                      "bmp_rgb_333x222.bmp", "tiny_1x1.png",
                                      "png16_gray_320x240.png", "webp_lossless_alpha_256x256.webp"};
#define NIMG 6

typedef struct fixture {
    char *tmp;
    char db[4096], dir[4096];
} fixture;

/* An image fixture (tests/fixtures/images/NAME) copied to `to`. */
static void copy_fixture(const char *name, const char *to)
{
    char rel[256];
    snprintf(rel, sizeof rel, "images/%s", name);
    copy_fixture_file(rel, to);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    fx->tmp = make_temp_dir();
    snprintf(fx->db, sizeof fx->db, "%s/db", fx->tmp);
    snprintf(fx->dir, sizeof fx->dir, "%s/img", fx->tmp);
    mkdir(fx->dir, 0755);
    for (int i = 0; i < NIMG; i++) {
        char to[4200];
        snprintf(to, sizeof to, "%s/%s", fx->dir, kImages[i]);
        copy_fixture(kImages[i], to);
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    remove_tree(fx->tmp);
    free(fx->tmp);
    free(fx);
    return 0;
}

typedef struct failures {
    int n;
    char msg[8][600];
} failures;

static void on_event(const cdx_index_event *ev, void *user)
{
    failures *f = user;
    if (ev->kind == CDX_INDEX_FAILED && f->n < 8) snprintf(f->msg[f->n++], 600, "%s", ev->message);
}

static int run(fixture *fx, fake_embedder *fe, size_t batch, int prune, cdx_index_summary *sum,
               failures *fl, cdx_error *err)
{
    const char *paths[] = {fx->dir};
    cdx_index_opts o = {0};
    o.batch = batch;
    o.prune = prune;
    failures local = {0};
    return cdx_index_run(fx->db, paths, 1, fe ? &fe->base : NULL, &o, on_event, fl ? fl : &local,
                         sum, err);
}

/* Rows of the table: count, and whether file_ids and file_names are each unique. */
static uint64_t table_rows(fixture *fx, int *unique)
{
    cdx_table *t;
    cdx_error err = {0};
    assert_int_equal(cdx_table_open(fx->db, "images", 0, &t, &err), 0);
    long ci = cdx_table_column_index(t, "file_id"), cn = cdx_table_column_index(t, "file_name");
    int64_t ids[64];
    char names[64][300];
    size_t n = 0;
    cdx_scan *s;
    assert_int_equal(cdx_scan_open(t, &s, &err), 0);
    const cdx_batch *b;
    while (cdx_scan_next(s, &b, &err) == 0 && b)
        for (uint64_t r = 0; r < cdx_batch_num_rows(b) && n < 64; r++, n++) {
            ids[n] = cdx_batch_int64(b, (size_t)ci)[r];
            size_t len;
            const char *nm = cdx_batch_utf8(b, (size_t)cn, r, &len);
            snprintf(names[n], sizeof names[n], "%.*s", (int)len, nm);
        }
    cdx_scan_close(s);
    *unique = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < i; k++)
            if (ids[i] == ids[k] || !strcmp(names[i], names[k])) *unique = 0;
    assert_int_equal(n, cdx_table_num_rows(t));
    cdx_table_close(t);
    return n;
}

/* The file_id and vector stored for `path`. */
static int64_t row_of(fixture *fx, const char *path, float *vec)
{
    cdx_table *t;
    cdx_error err = {0};
    assert_int_equal(cdx_table_open(fx->db, "images", 0, &t, &err), 0);
    long ci = cdx_table_column_index(t, "file_id"), cn = cdx_table_column_index(t, "file_name");
    long cv = cdx_table_column_index(t, "vector");
    int64_t id = -1;
    cdx_scan *s;
    assert_int_equal(cdx_scan_open(t, &s, &err), 0);
    const cdx_batch *b;
    while (cdx_scan_next(s, &b, &err) == 0 && b)
        for (uint64_t r = 0; r < cdx_batch_num_rows(b); r++) {
            size_t len;
            const char *nm = cdx_batch_utf8(b, (size_t)cn, r, &len);
            if (len == strlen(path) && !memcmp(nm, path, len)) {
                id = cdx_batch_int64(b, (size_t)ci)[r];
                if (vec) memcpy(vec, cdx_batch_float32(b, (size_t)cv) + r * 768, 768 * sizeof *vec);
            }
        }
    cdx_scan_close(s);
    cdx_table_close(t);
    return id;
}

static void test_second_run_over_unchanged_files_embeds_nothing(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    assert_int_equal(sum.indexed, NIMG);
    assert_int_equal(sum.failed, 0);
    assert_int_equal(sum.tokens, NIMG * 1000);
    assert_int_equal(fe->inputs, NIMG);
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG);
    assert_true(unique);
    cdx_table *t;
    assert_int_equal(cdx_table_open(fx->db, "images", 0, &t, &err), 0);
    assert_string_equal(cdx_table_metadata(t, "clipdex.model"), "jina-clip-v1");
    assert_string_equal(cdx_table_metadata(t, "clipdex.backend"), "fake");
    assert_string_equal(cdx_table_metadata(t, "clipdex.dim"), "768");
    assert_int_equal(cdx_table_num_columns(t), 8);
    cdx_table_close(t);
    int calls = fe->calls;
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    assert_int_equal(fe->calls, calls);
    assert_int_equal(sum.unchanged, NIMG);
    assert_int_equal(sum.indexed + sum.reused + sum.tokens, 0);
    cdx_embedder_free(&fe->base);
}

static void test_changed_file_is_reembedded_and_its_row_replaced(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/tiny_1x1.png", fx->dir);
    int64_t id = row_of(fx, path, NULL);
    assert_true(id >= 0);
    copy_fixture("png_gray_600x1000.png", path); /* new content, new size and mtime */
    cdx_table *t;
    assert_int_equal(cdx_table_open(fx->db, "images", 0, &t, &err), 0);
    uint64_t v0 = cdx_table_version(t);
    cdx_table_close(t);
    int inputs = fe->inputs;
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    assert_int_equal(fe->inputs - inputs, 1);
    assert_int_equal(sum.indexed, 1);
    assert_int_equal(sum.unchanged, NIMG - 1);
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG);
    assert_true(unique);
    float vec[768], want[768];
    assert_int_equal(row_of(fx, path, vec), id); /* the path keeps its file_id */
    size_t len;
    uint8_t *d = read_whole_file(path, &len);
    fake_vector(d, len, want, 768);
    free(d);
    assert_memory_equal(vec, want, sizeof vec);
    assert_int_equal(cdx_table_open(fx->db, "images", 0, &t, &err), 0);
    assert_int_equal(cdx_table_version(t), v0 + 1); /* delete + append in ONE version */
    cdx_table_close(t);
    cdx_embedder_free(&fe->base);
}

static void test_renamed_file_reuses_its_vector_and_prune_drops_the_old_row(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    char from[4200], to[4200];
    snprintf(from, sizeof from, "%s/bmp_rgb_333x222.bmp", fx->dir);
    snprintf(to, sizeof to, "%s/renamed.bmp", fx->dir);
    float before[768], after[768];
    int64_t old_id = row_of(fx, from, before);
    assert_int_equal(rename(from, to), 0);
    int calls = fe->calls;
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    assert_int_equal(fe->calls, calls);
    assert_int_equal(sum.reused, 1);
    assert_int_equal(sum.tokens, 0);
    int64_t new_id = row_of(fx, to, after);
    assert_true(new_id > old_id); /* new paths get ids above every id ever given */
    assert_memory_equal(before, after, sizeof before);
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG + 1); /* the old row stays until pruned */
    assert_int_equal(run(fx, fe, 0, 1, &sum, NULL, &err), 0);
    assert_int_equal(sum.pruned, 1);
    assert_int_equal(fe->calls, calls);
    assert_int_equal(table_rows(fx, &unique), NIMG);
    assert_true(unique);
    assert_int_equal(row_of(fx, from, NULL), -1);
    cdx_embedder_free(&fe->base);
}

static void test_api_stop_commits_done_rows_and_rerun_embeds_only_the_rest(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    fe->stop_on_call = 2; /* batch 1 (2 images) done; batch 2 embeds 1 of 2, then fails */
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 2, 0, &sum, NULL, &err), CDX_ECREDIT);
    assert_true(sum.api_stopped);
    assert_int_equal(sum.indexed, 3);
    assert_non_null(strstr(err.message, "out of credits"));
    int unique;
    assert_int_equal(table_rows(fx, &unique), 3);
    cdx_embedder_free(&fe->base);
    fe = fake_new("jina-clip-v1", 768);
    assert_int_equal(run(fx, fe, 2, 0, &sum, NULL, &err), 0);
    assert_int_equal(fe->inputs, NIMG - 3);
    assert_int_equal(sum.unchanged, 3);
    assert_int_equal(table_rows(fx, &unique), NIMG);
    assert_true(unique);
    cdx_embedder_free(&fe->base);
}

static void test_prune_only_touches_rows_under_the_given_paths(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    char gone[4200], other[4200];
    snprintf(gone, sizeof gone, "%s/%s", fx->dir, kImages[1]);
    snprintf(other, sizeof other, "%s/other", fx->tmp);
    mkdir(other, 0755);
    assert_int_equal(unlink(gone), 0);
    const char *paths[] = {other};
    cdx_index_opts o = {0};
    o.prune = 1;
    assert_int_equal(cdx_index_run(fx->db, paths, 1, &fe->base, &o, NULL, NULL, &sum, &err), 0);
    assert_int_equal(sum.pruned, 0); /* the vanished file is not under `other` */
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG);
    char dir_slash[4200];
    snprintf(dir_slash, sizeof dir_slash, "%s/", fx->dir); /* a trailing slash is the same path */
    paths[0] = dir_slash;
    o.dry_run = 1;
    assert_int_equal(cdx_index_run(fx->db, paths, 1, &fe->base, &o, NULL, NULL, &sum, &err), 0);
    assert_int_equal(sum.pruned, 1); /* would prune */
    assert_int_equal(table_rows(fx, &unique), NIMG);
    o.dry_run = 0;
    assert_int_equal(cdx_index_run(fx->db, paths, 1, &fe->base, &o, NULL, NULL, &sum, &err), 0);
    assert_int_equal(sum.pruned, 1);
    assert_int_equal(table_rows(fx, &unique), NIMG - 1);
    cdx_embedder_free(&fe->base);
}

static void test_prune_keeps_rows_of_files_it_cannot_reach_but_that_may_exist(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    /* stat fails with ELOOP, not ENOENT (as it fails with EACCES in a folder the user cannot
     * enter; the tests run as root, which no permission stops) */
    char loop[4200], gone[4200];
    snprintf(loop, sizeof loop, "%s/%s", fx->dir, kImages[0]);
    assert_int_equal(unlink(loop), 0);
    assert_int_equal(symlink(kImages[0], loop), 0);
    snprintf(gone, sizeof gone, "%s/%s", fx->dir, kImages[1]);
    assert_int_equal(unlink(gone), 0);
    failures fl = {0};
    assert_int_equal(run(fx, fe, 0, 1, &sum, &fl, &err), 0);
    assert_int_equal(sum.pruned, 1); /* the deleted file only */
    assert_true(row_of(fx, loop, NULL) >= 0);
    assert_int_equal(row_of(fx, gone, NULL), -1);
    assert_int_equal(sum.failed, 1); /* the walk reports the loop, naming it */
    assert_non_null(strstr(fl.msg[0], kImages[0]));
    cdx_embedder_free(&fe->base);
}

static void test_prune_refuses_to_empty_a_path_where_the_walk_found_nothing(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    /* the folder is there but empty, as a mount point is when its drive is not mounted */
    char away[4200];
    snprintf(away, sizeof away, "%s/away", fx->tmp);
    assert_int_equal(rename(fx->dir, away), 0);
    assert_int_equal(mkdir(fx->dir, 0755), 0);
    failures fl = {0};
    assert_int_equal(run(fx, fe, 0, 1, &sum, &fl, &err), 0);
    assert_int_equal(sum.pruned, 0);
    assert_int_equal(sum.failed, 1);
    assert_non_null(strstr(fl.msg[0], fx->dir));
    assert_non_null(strstr(fl.msg[0], "would delete all 6 rows"));
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG);
    /* from a folder above that still has images, the rows of the vanished files go */
    const char *paths[] = {fx->tmp};
    cdx_index_opts o = {0};
    o.prune = 1;
    assert_int_equal(cdx_index_run(fx->db, paths, 1, &fe->base, &o, NULL, NULL, &sum, &err), 0);
    assert_int_equal(sum.pruned, NIMG);
    assert_int_equal(sum.reused, NIMG); /* the moved images kept their vectors */
    assert_int_equal(table_rows(fx, &unique), NIMG);
    cdx_embedder_free(&fe->base);
}

static void test_moved_files_are_committed_even_when_the_api_stops(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    char from[4200], to[4200], fresh[4200];
    snprintf(from, sizeof from, "%s/%s", fx->dir, kImages[2]);
    snprintf(to, sizeof to, "%s/zz_moved.bmp", fx->dir);
    assert_int_equal(rename(from, to), 0);
    snprintf(fresh, sizeof fresh, "%s/aa_new.png", fx->dir);
    copy_fixture("png_rgb_1024x768.png", fresh);
    fe->stop_on_call = fe->calls + 1; /* the next request fails before embedding anything */
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), CDX_ECREDIT);
    assert_true(sum.api_stopped);
    assert_int_equal(sum.indexed, 0);
    assert_int_equal(sum.reused, 1);
    assert_int_equal(sum.failed, 0); /* not reached is not failed */
    float v[768];
    assert_true(row_of(fx, to, v) >= 0);
    assert_int_equal(row_of(fx, fresh, NULL), -1);
    cdx_embedder_free(&fe->base);
}

static void test_other_model_is_refused_naming_table_and_models(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    cdx_embedder_free(&fe->base);
    char extra[4200];
    snprintf(extra, sizeof extra, "%s/new.png", fx->dir);
    copy_fixture("png_rgb_1024x768.png", extra);
    fe = fake_new("other-model", 768);
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "'images'"));
    assert_non_null(strstr(err.message, "jina-clip-v1"));
    assert_non_null(strstr(err.message, "other-model"));
    assert_int_equal(fe->calls, 0);
    cdx_embedder_free(&fe->base);
}

static void test_undecodable_files_are_reported_and_the_others_indexed(void **state)
{
    fixture *fx = *state;
    char bad[4200], trunc[4200];
    snprintf(bad, sizeof bad, "%s/bad.png", fx->dir);
    write_whole_file(bad, "this is not an image", 20);
    size_t len;
    uint8_t *d = read_whole_file(fixture_path("images/png_rgb_1024x768.png"), &len);
    snprintf(trunc, sizeof trunc, "%s/truncated.png", fx->dir);
    write_whole_file(trunc, d, 200); /* header fine, pixels missing */
    free(d);
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    failures fl = {0};
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, &fl, &err), 0);
    assert_int_equal(sum.indexed, NIMG);
    assert_int_equal(sum.failed, 2);
    assert_int_equal(fl.n, 2);
    int seen_bad = 0, seen_trunc = 0;
    for (int i = 0; i < fl.n; i++) {
        seen_bad |= strstr(fl.msg[i], "bad.png:") != NULL;
        seen_trunc |= strstr(fl.msg[i], "truncated.png:") != NULL;
    }
    assert_true(seen_bad && seen_trunc);
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG);
    cdx_embedder_free(&fe->base);
}

/* Writes a recipe-schema table (file_id, file_name, vector only) with one row for `path`. */
static void make_recipe_table(fixture *fx, const char *path)
{
    static const cdx_field recipe[] = {{"file_id", CDX_COLUMN_INT64, 0, 0},
                                       {"file_name", CDX_COLUMN_UTF8, 0, 0},
                                       {"vector", CDX_COLUMN_VECTOR_F32, 768, 0}};
    cdx_table *t;
    cdx_error err = {0};
    assert_int_equal(cdx_table_create(fx->db, "images", recipe, 3, CDX_CREATE, NULL, &t, &err), 0);
    const char *names[] = {path};
    int64_t ids[] = {0};
    float vec[768] = {1.0f};
    cdx_rows *r;
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    assert_int_equal(cdx_rows_set_int64(r, "file_id", ids, 1, &err), 0);
    assert_int_equal(cdx_rows_set_utf8(r, "file_name", names, 1, &err), 0);
    assert_int_equal(cdx_rows_set_vector_f32(r, "vector", vec, 1, &err), 0);
    assert_int_equal(cdx_table_add(t, r, &err), 0);
    cdx_rows_free(r);
    cdx_table_close(t);
}

static void test_recipe_table_is_appended_and_matched_by_file_name(void **state)
{
    fixture *fx = *state;
    cdx_table *t;
    cdx_error err = {0};
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", fx->dir, kImages[0]);
    make_recipe_table(fx, path);
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    assert_int_equal(sum.unchanged, 1);
    assert_int_equal(sum.indexed, NIMG - 1);
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG);
    assert_true(unique);
    assert_int_equal(cdx_table_open(fx->db, "images", 0, &t, &err), 0);
    assert_int_equal(cdx_table_num_columns(t), 3);
    assert_string_equal(cdx_table_metadata(t, "clipdex.model"), "jina-clip-v1");
    cdx_table_close(t);
    cdx_embedder_free(&fe->base);
}

static void test_dry_run_embeds_and_writes_nothing(void **state)
{
    fixture *fx = *state;
    cdx_index_summary sum;
    cdx_error err = {0};
    const char *paths[] = {fx->dir};
    cdx_index_opts o = {0};
    o.dry_run = 1;
    assert_int_equal(cdx_index_run(fx->db, paths, 1, NULL, &o, NULL, NULL, &sum, &err), 0);
    assert_int_equal(sum.todo, NIMG);
    assert_int_equal(sum.dry_run_tokens, NIMG * 1000); /* every thumbnail fits one 224 tile */
    struct stat st;
    assert_int_not_equal(stat(fx->db, &st), 0);
}

static void test_recipe_table_change_is_counted_unverified_and_reembed_replaces_it(void **state)
{
    fixture *fx = *state;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", fx->dir, kImages[0]);
    make_recipe_table(fx, path);
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    assert_int_equal(sum.unchanged, 1);
    assert_int_equal(sum.unverified, 1); /* the table cannot say whether it changed */
    /* A second run: every row is taken as unchanged, and says so; nothing is embedded. */
    int inputs = fe->inputs;
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    assert_int_equal(sum.unverified, NIMG);
    assert_int_equal(fe->inputs, inputs);
    /* reembed on the one file: its dry run prices it, the run replaces its row, same file_id */
    const char *paths[] = {path};
    cdx_index_opts o = {0};
    o.reembed = 1;
    o.dry_run = 1;
    assert_int_equal(cdx_index_run(fx->db, paths, 1, NULL, &o, NULL, NULL, &sum, &err), 0);
    assert_int_equal(sum.todo, 1);
    assert_int_equal(sum.unverified, 0);
    assert_int_equal(sum.dry_run_tokens, 1000);
    o.dry_run = 0;
    assert_int_equal(cdx_index_run(fx->db, paths, 1, &fe->base, &o, NULL, NULL, &sum, &err), 0);
    assert_int_equal(sum.indexed, 1);
    assert_int_equal(fe->inputs - inputs, 1);
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG);
    assert_true(unique);
    float vec[768], want[768];
    assert_int_equal(row_of(fx, path, vec), 0);
    size_t len;
    uint8_t *d = read_whole_file(path, &len);
    fake_vector(d, len, want, 768);
    free(d);
    assert_memory_equal(vec, want, sizeof vec);
    cdx_embedder_free(&fe->base);
}

static void test_reembed_on_a_full_table_embeds_unchanged_files_again(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    int inputs = fe->inputs;
    const char *paths[] = {fx->dir};
    cdx_index_opts o = {0};
    o.reembed = 1;
    assert_int_equal(cdx_index_run(fx->db, paths, 1, &fe->base, &o, NULL, NULL, &sum, &err), 0);
    assert_int_equal(sum.indexed, NIMG);
    assert_int_equal(sum.reused, 0);
    assert_int_equal(fe->inputs - inputs, NIMG);
    int unique;
    assert_int_equal(table_rows(fx, &unique), NIMG);
    assert_true(unique);
    cdx_embedder_free(&fe->base);
}

typedef struct dry_events {
    int would_embed, would_reuse;
    char reuse_of[600];
} dry_events;

static void on_dry_event(const cdx_index_event *ev, void *user)
{
    dry_events *d = user;
    if (ev->kind == CDX_INDEX_WOULD_EMBED) d->would_embed++;
    if (ev->kind == CDX_INDEX_WOULD_REUSE) {
        d->would_reuse++;
        snprintf(d->reuse_of, sizeof d->reuse_of, "%s", ev->message);
    }
}

static void test_dry_run_counts_moved_and_copied_files_as_reused_like_the_real_run(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    char from[4200], to[4200], copy[4200], fresh[4200];
    snprintf(from, sizeof from, "%s/%s", fx->dir, kImages[2]);
    snprintf(to, sizeof to, "%s/moved.bmp", fx->dir);
    assert_int_equal(rename(from, to), 0);
    snprintf(copy, sizeof copy, "%s/copy.png", fx->dir);
    copy_fixture(kImages[0], copy);
    snprintf(fresh, sizeof fresh, "%s/fresh.png", fx->dir);
    copy_fixture("png_gray_600x1000.png", fresh);
    const char *paths[] = {fx->dir};
    cdx_index_opts o = {0};
    o.dry_run = 1;
    dry_events d = {0};
    assert_int_equal(cdx_index_run(fx->db, paths, 1, NULL, &o, on_dry_event, &d, &sum, &err), 0);
    assert_int_equal(sum.todo, 3);
    assert_int_equal(sum.reused, 2);
    assert_int_equal(sum.dry_run_tokens, 1000); /* fresh.png only: 134x224 thumbnail, one tile */
    assert_int_equal(d.would_embed, 1);
    assert_int_equal(d.would_reuse, 2);
    int inputs = fe->inputs;
    assert_int_equal(run(fx, fe, 0, 0, &sum, NULL, &err), 0);
    assert_int_equal(sum.todo, 3);
    assert_int_equal(sum.reused, 2);
    assert_int_equal(sum.indexed, 1);
    assert_int_equal(fe->inputs - inputs, 1);
    assert_int_equal((int64_t)sum.tokens, 1000);
    cdx_embedder_free(&fe->base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_second_run_over_unchanged_files_embeds_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_file_is_reembedded_and_its_row_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renamed_file_reuses_its_vector_and_prune_drops_the_old_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_stop_commits_done_rows_and_rerun_embeds_only_the_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_only_touches_rows_under_the_given_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_keeps_rows_of_files_it_cannot_reach_but_that_may_exist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_refuses_to_empty_a_path_where_the_walk_found_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_moved_files_are_committed_even_when_the_api_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_model_is_refused_naming_table_and_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undecodable_files_are_reported_and_the_others_indexed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recipe_table_is_appended_and_matched_by_file_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run_embeds_and_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recipe_table_change_is_counted_unverified_and_reembed_replaces_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reembed_on_a_full_table_embeds_unchanged_files_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run_counts_moved_and_copied_files_as_reused_like_the_real_run, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
