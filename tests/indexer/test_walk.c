/*
 * test_walk.c — cdx_walk over a temporary tree: sorted order, hidden and junk names skipped,
 * argument paths joined without doubled slashes, missing arguments and unreadable directories
 * reported per entry, symlink loops reported once instead of walked forever.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "clipdex.h"
#include "support.h"

typedef struct seen {
    char lines[64][512];
    int count;
    int stop_after; /* 0 = never stop */
} seen;

/* Records "path" for files and "!<status> <message>" for errors. */
static int record(const cdx_walk_entry *e, void *user) {
    seen *s = user;
    assert_true(s->count < 64);
    if (e->status == CDX_OK)
        snprintf(s->lines[s->count], sizeof s->lines[0], "%s", e->path);
    else
        snprintf(s->lines[s->count], sizeof s->lines[0], "!%d %s", e->status, e->message);
    s->count++;
    return s->stop_after && s->count >= s->stop_after ? 42 : 0;
}

static void touch(const char *root, const char *rel) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
}

static void mkdir_in(const char *root, const char *rel) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

/* root/{A.gif,a.jpg,b.png,sub/{z.png,.h.png,deeper/c.bmp},.hid/x.png,._a.jpg,.DS_Store,
 * Thumbs.db,desktop.ini,@eaDir/x.jpg} */
static char *make_tree(void) {
    char *root = make_temp_dir();
    touch(root, "b.png");
    touch(root, "a.jpg");
    touch(root, "A.gif");
    mkdir_in(root, "sub");
    touch(root, "sub/z.png");
    touch(root, "sub/.h.png");
    mkdir_in(root, "sub/deeper");
    touch(root, "sub/deeper/c.bmp");
    mkdir_in(root, ".hid");
    touch(root, ".hid/x.png");
    touch(root, "._a.jpg");
    touch(root, ".DS_Store");
    touch(root, "Thumbs.db");
    touch(root, "desktop.ini");
    mkdir_in(root, "@eaDir");
    touch(root, "@eaDir/x.jpg");
    return root;
}

static void expect_line(const seen *s, int i, const char *root, const char *rel) {
    char want[512];
    snprintf(want, sizeof want, "%s%s", root, rel);
    assert_true(i < s->count);
    assert_string_equal(s->lines[i], want);
}

static void test_walk_sorts_names_and_skips_hidden_and_junk(void **state) {
    (void)state;
    char *root = make_tree();
    seen s = {0};
    const char *args[] = {root};
    assert_int_equal(cdx_walk(args, 1, NULL, record, &s, NULL), 0);
    assert_int_equal(s.count, 5);
    expect_line(&s, 0, root, "/A.gif");
    expect_line(&s, 1, root, "/a.jpg");
    expect_line(&s, 2, root, "/b.png");
    expect_line(&s, 3, root, "/sub/deeper/c.bmp");
    expect_line(&s, 4, root, "/sub/z.png");
    remove_tree(root);
    free(root);
}

static void test_walk_include_hidden_visits_everything(void **state) {
    (void)state;
    char *root = make_tree();
    seen s = {0};
    const char *args[] = {root};
    cdx_walk_opts opts = {.include_hidden = 1};
    assert_int_equal(cdx_walk(args, 1, &opts, record, &s, NULL), 0);
    assert_int_equal(s.count, 12);
    expect_line(&s, 0, root, "/.DS_Store");
    expect_line(&s, 1, root, "/._a.jpg");
    expect_line(&s, 2, root, "/.hid/x.png");
    expect_line(&s, 3, root, "/@eaDir/x.jpg");
    remove_tree(root);
    free(root);
}

static void test_walk_joins_argument_without_double_slashes(void **state) {
    (void)state;
    char *root = make_tree();
    char a1[4200], a2[4200], a3[4200];
    snprintf(a1, sizeof a1, "%s/sub/", root);
    snprintf(a2, sizeof a2, "%s//sub//deeper///", root);
    snprintf(a3, sizeof a3, "%s/a.jpg", root);
    const char *args[] = {a1, a2, a3};
    seen s = {0};
    assert_int_equal(cdx_walk(args, 3, NULL, record, &s, NULL), 0);
    assert_int_equal(s.count, 4);
    expect_line(&s, 0, root, "/sub/deeper/c.bmp");
    expect_line(&s, 1, root, "/sub/z.png");
    expect_line(&s, 2, root, "/sub/deeper/c.bmp");
    expect_line(&s, 3, root, "/a.jpg");
    remove_tree(root);
    free(root);
}

static void test_walk_relative_argument_keeps_its_spelling(void **state) {
    (void)state;
    char *root = make_tree();
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(root), 0);
    const char *args[] = {"./sub/", "sub/deeper"};
    seen s = {0};
    assert_int_equal(cdx_walk(args, 2, NULL, record, &s, NULL), 0);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(s.count, 3);
    assert_string_equal(s.lines[0], "./sub/deeper/c.bmp");
    assert_string_equal(s.lines[1], "./sub/z.png");
    assert_string_equal(s.lines[2], "sub/deeper/c.bmp");
    remove_tree(root);
    free(root);
}

static void test_walk_missing_argument_is_an_entry_error(void **state) {
    (void)state;
    char *root = make_tree();
    char missing[4200], file[4200];
    snprintf(missing, sizeof missing, "%s/nope.png", root);
    snprintf(file, sizeof file, "%s/b.png", root);
    const char *args[] = {missing, "", file};
    seen s = {0};
    assert_int_equal(cdx_walk(args, 3, NULL, record, &s, NULL), 0);
    assert_int_equal(s.count, 3);
    char want[4400];
    snprintf(want, sizeof want, "!%d %s: no such file or directory", CDX_ENOTFOUND, missing);
    assert_string_equal(s.lines[0], want);
    snprintf(want, sizeof want, "!%d : no such file or directory", CDX_ENOTFOUND);
    assert_string_equal(s.lines[1], want);
    assert_string_equal(s.lines[2], file);
    remove_tree(root);
    free(root);
}

static void test_walk_symlink_loop_reported_once(void **state) {
    (void)state;
    char *root = make_tree();
    char link[4200], target[4200];
    snprintf(link, sizeof link, "%s/sub/up", root);
    snprintf(target, sizeof target, "%s", root);
    assert_int_equal(symlink(target, link), 0);
    snprintf(link, sizeof link, "%s/sub/zz_file_link.png", root);
    snprintf(target, sizeof target, "%s/b.png", root);
    assert_int_equal(symlink(target, link), 0);
    snprintf(link, sizeof link, "%s/sub/dangling.png", root);
    assert_int_equal(symlink("/nonexistent/clipdex", link), 0);
    const char *args[] = {root};
    seen s = {0};
    assert_int_equal(cdx_walk(args, 1, NULL, record, &s, NULL), 0);
    /* A.gif a.jpg b.png sub/dangling.png(!) sub/deeper/c.bmp sub/up(!) sub/z.png sub/zz_... */
    assert_int_equal(s.count, 8);
    char want[4400];
    snprintf(want, sizeof want, "!%d %s/sub/dangling.png: broken symbolic link", CDX_EIO, root);
    assert_string_equal(s.lines[3], want);
    expect_line(&s, 4, root, "/sub/deeper/c.bmp");
    snprintf(want, sizeof want, "!%d %s/sub/up: directory loop", CDX_EUNSUPPORTED, root);
    assert_memory_equal(s.lines[5], want, strlen(want));
    expect_line(&s, 6, root, "/sub/z.png");
    expect_line(&s, 7, root, "/sub/zz_file_link.png");
    remove_tree(root);
    free(root);
}

/* Walks root as the current user, or (when root, who reads mode-000 directories) in a child
 * process running as nobody; checks the locked directory is one EIO entry between the others. */
static int walk_unreadable_check(const char *root, const char *locked) {
    const char *args[] = {root};
    seen s = {0};
    if (cdx_walk(args, 1, NULL, record, &s, NULL) != 0 || s.count != 5) return 1;
    char want[4400], z[4400];
    snprintf(want, sizeof want, "!%d %s: ", CDX_EIO, locked);
    snprintf(z, sizeof z, "%s/sub/z.png", root);
    if (strncmp(s.lines[3], want, strlen(want)) != 0 || strcmp(s.lines[4], z) != 0) return 2;
    return 0;
}

static void test_walk_unreadable_directory_is_an_entry_error(void **state) {
    (void)state;
    char *root = make_tree();
    char locked[4200];
    snprintf(locked, sizeof locked, "%s/sub/deeper", root);
    assert_int_equal(chmod(root, 0755), 0);
    assert_int_equal(chmod(locked, 0), 0);
    if (geteuid() != 0) {
        assert_int_equal(walk_unreadable_check(root, locked), 0);
    } else {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
            _exit(walk_unreadable_check(root, locked));
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    chmod(locked, 0755);
    remove_tree(root);
    free(root);
}

static void test_walk_callback_can_stop_the_walk(void **state) {
    (void)state;
    char *root = make_tree();
    const char *args[] = {root, root};
    seen s = {.stop_after = 2};
    assert_int_equal(cdx_walk(args, 2, NULL, record, &s, NULL), 42);
    assert_int_equal(s.count, 2);
    remove_tree(root);
    free(root);
}

static void test_walk_rejects_missing_callback(void **state) {
    (void)state;
    const char *args[] = {"."};
    cdx_error err = {0};
    assert_int_equal(cdx_walk(args, 1, NULL, NULL, NULL, &err), CDX_EINVAL);
    assert_int_equal(err.code, CDX_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_sorts_names_and_skips_hidden_and_junk),
        cmocka_unit_test(test_walk_include_hidden_visits_everything),
        cmocka_unit_test(test_walk_joins_argument_without_double_slashes),
        cmocka_unit_test(test_walk_relative_argument_keeps_its_spelling),
        cmocka_unit_test(test_walk_missing_argument_is_an_entry_error),
        cmocka_unit_test(test_walk_symlink_loop_reported_once),
        cmocka_unit_test(test_walk_unreadable_directory_is_an_entry_error),
        cmocka_unit_test(test_walk_callback_can_stop_the_walk),
        cmocka_unit_test(test_walk_rejects_missing_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
