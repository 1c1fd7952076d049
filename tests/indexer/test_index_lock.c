/*
 * test_index_lock.c — the index lock (src/indexer/index_lock.c) as cdx_index_run uses it: while
 * another holder has "<db>/.<table>.clipdex-index.lock" locked, a no_wait run fails with
 * CDX_ECONFLICT naming the holder's pid and touches nothing, and a waiting run reports
 * CDX_INDEX_WAITING once and runs when the holder lets go; other tables are not blocked; a dry
 * run takes no lock; a database path that is a file is refused, naming it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clipdex.h"
#include "fake_embedder.h"
#include "support.h"

typedef struct fixture {
    char *tmp;
    char db[4096], dir[4096], lock[4200];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    fx->tmp = make_temp_dir();
    snprintf(fx->db, sizeof fx->db, "%s/db", fx->tmp);
    snprintf(fx->dir, sizeof fx->dir, "%s/img", fx->tmp);
    snprintf(fx->lock, sizeof fx->lock, "%s/.images.clipdex-index.lock", fx->db);
    mkdir(fx->db, 0755);
    mkdir(fx->dir, 0755);
    char to[4200];
    snprintf(to, sizeof to, "%s/a.png", fx->dir);
    copy_fixture_file("images/png_palette_400x300.png", to);
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

/* Another holder: its own open file description, locked, with pid 4242 recorded. */
static int hold_lock(const fixture *fx)
{
    int fd = open(fx->lock, O_RDWR | O_CREAT, 0666);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(write(fd, "4242\n", 5), 5);
    return fd;
}

typedef struct events {
    int waiting;
    char msg[600];
} events;

static void on_event(const cdx_index_event *ev, void *user)
{
    events *e = user;
    if (ev->kind != CDX_INDEX_WAITING) return;
    e->waiting++;
    snprintf(e->msg, sizeof e->msg, "%s", ev->message);
}

static int index_table(fixture *fx, fake_embedder *fe, const char *table, int no_wait, int dry,
                       events *ev, cdx_index_summary *sum, cdx_error *err)
{
    const char *paths[] = {fx->dir};
    cdx_index_opts o = {0};
    o.table = table;
    o.no_wait = no_wait;
    o.dry_run = dry;
    return cdx_index_run(fx->db, paths, 1, dry ? NULL : &fe->base, &o, on_event, ev, sum, err);
}

static void test_no_wait_run_fails_naming_the_holder_and_writes_nothing(void **state)
{
    fixture *fx = *state;
    int fd = hold_lock(fx);
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    events ev = {0};
    assert_int_equal(index_table(fx, fe, "images", 1, 0, &ev, &sum, &err), CDX_ECONFLICT);
    assert_true(sum.busy);
    assert_non_null(strstr(err.message, "another clipdex index on table 'images' (pid 4242)"));
    assert_int_equal(fe->calls, 0);
    assert_int_equal(ev.waiting, 0);
    char tdir[4300];
    snprintf(tdir, sizeof tdir, "%s/images.lance", fx->db);
    struct stat st;
    assert_int_not_equal(stat(tdir, &st), 0);
    /* another table of the same database is not blocked; a dry run takes no lock */
    assert_int_equal(index_table(fx, fe, "other", 1, 0, &ev, &sum, &err), 0);
    assert_int_equal(sum.indexed, 1);
    assert_int_equal(index_table(fx, fe, "images", 1, 1, &ev, &sum, &err), 0);
    assert_int_equal(sum.todo, 1);
    close(fd);
    assert_int_equal(index_table(fx, fe, "images", 1, 0, &ev, &sum, &err), 0);
    assert_int_equal(sum.indexed, 1);
    assert_false(sum.busy);
    cdx_embedder_free(&fe->base);
}

typedef struct releaser {
    int fd;
    long ms;
} releaser;

static void *release_later(void *arg)
{
    releaser *r = arg;
    struct timespec ts = {r->ms / 1000, (r->ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    close(r->fd);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_waiting_run_says_so_once_and_runs_when_the_holder_lets_go(void **state)
{
    fixture *fx = *state;
    releaser r = {hold_lock(fx), 300};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, release_later, &r), 0);
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    events ev = {0};
    double t0 = now_s();
    assert_int_equal(index_table(fx, fe, "images", 0, 0, &ev, &sum, &err), 0);
    double waited = now_s() - t0;
    pthread_join(th, NULL);
    assert_true(waited >= 0.25);
    assert_int_equal(ev.waiting, 1);
    assert_string_equal(ev.msg, "waiting for another clipdex index on table 'images' (pid 4242)");
    assert_int_equal(sum.indexed, 1);
    /* the lock file now names this process */
    size_t len;
    uint8_t *d = read_whole_file(fx->lock, &len);
    char want[32];
    snprintf(want, sizeof want, "%ld\n", (long)getpid());
    assert_int_equal(len, strlen(want));
    assert_memory_equal(d, want, len);
    free(d);
    cdx_embedder_free(&fe->base);
}

static void test_invalid_table_name_is_refused_before_any_lock_file(void **state)
{
    fixture *fx = *state;
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(index_table(fx, fe, "../escape", 0, 0, &(events){0}, &sum, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "'../escape'"));
    char stray[4300];
    snprintf(stray, sizeof stray, "%s/.../escape.clipdex-index.lock", fx->db);
    struct stat st;
    assert_int_not_equal(stat(stray, &st), 0);
    cdx_embedder_free(&fe->base);
}

static void test_database_path_that_is_a_file_is_refused_naming_it(void **state)
{
    fixture *fx = *state;
    char file[4200];
    snprintf(file, sizeof file, "%s/a.png", fx->dir);
    const char *paths[] = {fx->dir};
    fake_embedder *fe = fake_new("jina-clip-v1", 768);
    cdx_index_summary sum;
    cdx_error err = {0};
    assert_int_equal(cdx_index_run(file, paths, 1, &fe->base, NULL, NULL, NULL, &sum, &err),
                     CDX_EINVAL);
    assert_non_null(strstr(err.message, "a.png: not a directory"));
    assert_int_equal(fe->calls, 0);
    cdx_embedder_free(&fe->base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_wait_run_fails_naming_the_holder_and_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_run_says_so_once_and_runs_when_the_holder_lets_go, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_table_name_is_refused_before_any_lock_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_path_that_is_a_file_is_refused_naming_it, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
