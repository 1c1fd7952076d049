/*
 * test_table_write_crash.c — commits under stress: (1) a child process loops appends and is
 * SIGKILLed at random moments, dozens of times; after each kill the table opens at a committed
 * version (never before one the child reported) holding exactly the rows of the committed
 * batches, and the next append works — with the default durability and with CDX_NO_SYNC (a
 * killed process loses nothing the page cache holds, so the link-last order alone must keep
 * versions whole); (2) processes appending concurrently lose no row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "table_write_util.h"

#define BATCH 64
#define KILLS 40

static char *db;

/* Child: append batches of BATCH rows continuing the ids forever, reporting each committed
 * version on `fd`. Exits only when killed (or on error, with status 1). */
static void append_forever(int fd, cdx_durability durability)
{
    cdx_table *t;
    cdx_rows *r;
    cdx_error err = {0};
    if (cdx_table_open(db, "crash", 0, &t, &err) || cdx_rows_new(t, &r, &err)) _exit(1);
    cdx_table_set_durability(t, durability);
    for (;;) {
        cdx_rows_clear(r);
        if (tw_fill(r, (int64_t)cdx_table_num_rows(t), BATCH, 8, &err)) _exit(1);
        if (cdx_table_add(t, r, &err)) _exit(1);
        uint64_t v = cdx_table_version(t);
        if (write(fd, &v, sizeof v) != sizeof v) _exit(1);
    }
}

static void sigkill_during_appends(cdx_durability durability)
{
    db = make_temp_dir();
    cdx_table *t;
    cdx_error err = {0};
    assert_int_equal(cdx_table_create(db, "crash", tw_recipe8, 3, CDX_CREATE, NULL, &t, &err), 0);
    cdx_table_close(t);
    srand((unsigned)time(NULL));
    uint64_t reported = 1;
    for (int k = 0; k < KILLS; k++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            append_forever(p[1], durability);
        }
        close(p[1]);
        struct timespec ts = {0, (long)(rand() % 40000) * 1000L}; /* 0..40 ms */
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status)); /* it was still appending, not failing */
        uint64_t v;
        while (read(p[0], &v, sizeof v) == sizeof v) reported = v;
        close(p[0]);
        assert_int_equal(cdx_table_open(db, "crash", 0, &t, &err), 0);
        uint64_t version = cdx_table_version(t);
        assert_true(version == reported || version == reported + 1); /* killed before reporting */
        int64_t *ids;
        long n = tw_scan_ids(t, &ids);
        assert_int_equal(n, (long)((version - 1) * BATCH));
        assert_true(tw_ids_range(ids, n, 0, n));
        free(ids);
        cdx_table_close(t);
        reported = version;
    }
    /* The next append after all this works. */
    assert_int_equal(cdx_table_open(db, "crash", 0, &t, &err), 0);
    cdx_rows *r;
    cdx_table_set_durability(t, durability);
    assert_int_equal(cdx_rows_new(t, &r, &err), 0);
    uint64_t before = cdx_table_num_rows(t);
    assert_int_equal(tw_fill(r, (int64_t)before, 5, 8, &err), 0);
    assert_int_equal(cdx_table_add(t, r, &err), 0);
    assert_int_equal(cdx_table_num_rows(t), before + 5);
    assert_true(before >= BATCH); /* some appends did commit between kills */
    cdx_rows_free(r);
    cdx_table_close(t);
    remove_tree(db);
    free(db);
}

static void test_sigkill_during_appends_never_shows_a_partial_version(void **state)
{
    (void)state;
    sigkill_during_appends(CDX_DURABLE);
}

static void test_sigkill_during_no_sync_appends_never_shows_a_partial_version(void **state)
{
    (void)state;
    sigkill_during_appends(CDX_NO_SYNC);
}

#define WRITERS 3
#define ROUNDS 25

static void test_concurrent_appenders_lose_no_row(void **state)
{
    (void)state;
    db = make_temp_dir();
    cdx_table *t;
    cdx_error err = {0};
    assert_int_equal(cdx_table_create(db, "conc", tw_recipe8, 3, CDX_CREATE, NULL, &t, &err), 0);
    cdx_table_close(t);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w]) continue;
        cdx_rows *r;
        if (cdx_table_open(db, "conc", 0, &t, &err) || cdx_rows_new(t, &r, &err)) _exit(1);
        for (int k = 0; k < ROUNDS; k++) {
            cdx_rows_clear(r);
            if (tw_fill(r, (int64_t)(w * ROUNDS + k) * 10, 10, 8, &err)) _exit(2);
            if (cdx_table_add(t, r, &err)) _exit(3);
        }
        _exit(0);
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        waitpid(pids[w], &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(cdx_table_open(db, "conc", 0, &t, &err), 0);
    assert_int_equal(cdx_table_version(t), 1 + WRITERS * ROUNDS);
    int64_t *ids;
    long n = tw_scan_ids(t, &ids);
    assert_true(tw_ids_range(ids, n, 0, WRITERS * ROUNDS * 10));
    free(ids);
    cdx_table_close(t);
    remove_tree(db);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_during_appends_never_shows_a_partial_version),
        cmocka_unit_test(test_sigkill_during_no_sync_appends_never_shows_a_partial_version),
        cmocka_unit_test(test_concurrent_appenders_lose_no_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
