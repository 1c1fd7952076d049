/*
 * test_table_write_memory.c — large appends keep memory bounded (issue 3: "Large batches stream
 * to disk: memory stays bounded (a few batches) whatever the table size"). A forked child streams
 * 150 batches of 1,000 x 768 rows (~460 MB of vectors) through one cdx_appender, or adds one big
 * cdx_rows with cdx_table_add; its peak RSS growth must stay within a few batches plus the
 * writer's page buffers, and the parent reads every row back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"
#include "table_write_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define CDX_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CDX_TEST_ASAN 1
#endif
#endif

#ifdef CDX_TEST_ASAN /* ASan's quarantine and shadow make RSS meaningless: check the rows only */
#define BATCHES 12
#define BIG_ROWS 6000
#else
#define BATCHES 150
#define BIG_ROWS 40000
#endif
#define BATCH 1000
#define DIM 768
#define MIB (1024.0 * 1024.0)
#define UNMEASURED 1e18
/* writer.c's WR_DEFAULT_PAGE_BYTES: each column stages up to this many bytes of values before
 * they are encoded (another buffer of about that size) and written as one page. */
#define WRITER_PAGE_BYTES (8.0 * MIB)
#define BATCH_BYTES ((double)BATCH * DIM * sizeof(float))

static const cdx_field recipe768[] = {
    {"file_id", CDX_COLUMN_INT64, 0, 0},
    {"file_name", CDX_COLUMN_UTF8, 0, 0},
    {"vector", CDX_COLUMN_VECTOR_F32, DIM, 0},
};

/* Peak RSS in bytes: VmHWM, which `echo 5 > /proc/self/clear_refs` resets to the current RSS (so
 * setup's own peak does not hide the writer's), else getrusage's ru_maxrss. */
static int peak_reset(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0) return -1;
    int ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok ? 0 : -1;
}

static double peak_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    if (f) fclose(f);
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = ru.ru_maxrss;
    }
    return (double)kb * 1024.0;
}

/* Runs `body` in a child and returns the growth of its peak RSS over what it had before the
 * writes (body reports it through the pipe); -1 when the child failed. */
typedef double (*child_body)(const char *db);

static double in_child(child_body body, const char *db)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        double growth = body(db);
        _exit(write(p[1], &growth, sizeof growth) == sizeof growth && growth >= 0 ? 0 : 1);
    }
    close(p[1]);
    double growth = -1;
    if (read(p[0], &growth, sizeof growth) != sizeof growth) growth = -1;
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return growth;
}

static double stream_batches(const char *db)
{
    cdx_table *t;
    cdx_rows *r;
    cdx_appender *a;
    cdx_error err = {0};
    if (cdx_table_create(db, "big", recipe768, 3, CDX_CREATE, NULL, &t, &err) ||
        cdx_rows_new(t, &r, &err) || tw_fill(r, 0, BATCH, DIM, &err) ||
        cdx_appender_open(t, &a, &err))
        return -1;
    peak_reset();
    double before = peak_bytes();
    for (int b = 0; b < BATCHES; b++) {
        cdx_rows_clear(r);
        if (tw_fill(r, (int64_t)b * BATCH, BATCH, DIM, &err) || cdx_appender_add(a, r, &err))
            return -1;
    }
    if (cdx_appender_commit(a, &err)) return -1;
    double growth = peak_bytes() - before;
    cdx_rows_free(r);
    cdx_table_close(t);
    return growth;
}

static double add_one_big_batch(const char *db)
{
    cdx_table *t;
    cdx_rows *r;
    cdx_error err = {0};
    if (cdx_table_create(db, "huge", recipe768, 3, CDX_CREATE, NULL, &t, &err) ||
        cdx_rows_new(t, &r, &err) || tw_fill(r, 0, BIG_ROWS, DIM, &err))
        return -1;
    /* The rows are the caller's memory; tw_fill's source copy, freed, made the peak so far. */
    double setup_peak = peak_bytes();
    const double half_rows = (double)(BIG_ROWS * DIM * sizeof(float)) / 2;
    int measurable = !peak_reset() && peak_bytes() < setup_peak - half_rows;
    double before = peak_bytes();
    if (cdx_table_add(t, r, &err)) return -1;
    double growth = measurable ? peak_bytes() - before : UNMEASURED;
    cdx_rows_free(r);
    cdx_table_close(t);
    return growth;
}

static void check_rows(const char *db, const char *name, long want)
{
    cdx_table *t;
    cdx_error err = {0};
    assert_int_equal(cdx_table_open(db, name, 0, &t, &err), 0);
    assert_int_equal(cdx_table_num_rows(t), (uint64_t)want);
    int64_t *ids = NULL;
    long n = tw_scan_ids(t, &ids); /* also checks every name and vector against its id */
    assert_int_equal(n, want);
    assert_true(tw_ids_range(ids, n, 0, want));
    free(ids);
    cdx_table_close(t);
}

static void test_streamed_append_memory_stays_within_a_few_batches(void **state)
{
    (void)state;
    char *db = make_temp_dir();
    double growth = in_child(stream_batches, db);
    /* Per column: the staged rows (< one page) and the encoded page; plus a few batches for the
     * rows in flight and the I/O buffer. The table itself is BATCHES batches (~460 MB). */
    double bound = 2 * WRITER_PAGE_BYTES + 4 * BATCH_BYTES + 4 * MIB;
    print_message("streamed %d x %d x %d rows: peak RSS grew %.1f MiB (bound %.1f MiB, data "
                  "%.0f MiB)\n", BATCHES, BATCH, DIM, growth / MIB, bound / MIB,
                  BATCHES * BATCH_BYTES / MIB);
#ifndef CDX_TEST_ASAN
    assert_true(growth < bound);
#endif
    check_rows(db, "big", (long)BATCHES * BATCH);
    remove_tree(db);
    free(db);
}

static void test_one_big_add_does_not_copy_the_rows(void **state)
{
    (void)state;
    char *db = make_temp_dir();
    double growth = in_child(add_one_big_batch, db);
    double rows_bytes = (double)BIG_ROWS * DIM * sizeof(float);
    double bound = 2 * WRITER_PAGE_BYTES + 4 * MIB; /* no second copy of the caller's rows */
    if (growth == UNMEASURED) {
        print_message("cannot reset the peak RSS (/proc/self/clear_refs): bound not checked\n");
        growth = 0;
    }
    print_message("one add of %d x %d rows (%.0f MiB): peak RSS grew %.1f MiB (bound %.1f MiB)\n",
                  BIG_ROWS, DIM, rows_bytes / MIB, growth / MIB, bound / MIB);
#ifndef CDX_TEST_ASAN
    assert_true(growth < bound);
#endif
    check_rows(db, "huge", BIG_ROWS);
    remove_tree(db);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streamed_append_memory_stays_within_a_few_batches),
        cmocka_unit_test(test_one_big_add_does_not_copy_the_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
