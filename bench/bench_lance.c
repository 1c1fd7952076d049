/*
 * bench_lance.c — the clipdex side of issue 3's table benchmark, on the same recipe data as
 * tests/interop/lancedb_bench.mjs: ingest (one call, and 1,000-row adds), exact top-10 search
 * median (cosine, l2) through cdx_table_search, full scan rows/s, a new process opening the
 * table and counting its rows, and the memory-bandwidth floor (bytes scanned / memcpy GB/s).
 * usage: bench_lance DBDIR [ROWS [DIM [QUERIES]]]   (prints human lines and `RESULT {json}`)
 */
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "clipdex.h"
#include "bench_util.h"

extern char **environ;


static void die(const char *what, const cdx_error *err) {
    fprintf(stderr, "bench_lance: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

typedef struct bench_data {
    size_t n, dim;
    float *vectors;
    int64_t *ids;
    char **names;
} bench_data;

/* Appends rows [first, first+count) of the data to t as one cdx_table_add. */
static void add_rows(cdx_table *t, cdx_rows *r, const bench_data *d, size_t first, size_t count) {
    cdx_error err = {0};
    cdx_rows_clear(r);
    if (cdx_rows_set_int64(r, "file_id", d->ids + first, count, &err) ||
        cdx_rows_set_utf8(r, "file_name", (const char *const *)d->names + first, count, &err) ||
        cdx_rows_set_vector_f32(r, "vector", d->vectors + first * d->dim, count, &err) ||
        cdx_table_add(t, r, &err))
        die("add", &err);
}

static double ingest(const char *db, const char *name, const bench_data *d, size_t batch,
                     cdx_durability durability) {
    static const char *names[] = {"file_id", "file_name", "vector"};
    cdx_field f[3] = {{names[0], CDX_COLUMN_INT64, 0, 0}, {names[1], CDX_COLUMN_UTF8, 0, 0},
                      {names[2], CDX_COLUMN_VECTOR_F32, (uint32_t)d->dim, 0}};
    cdx_error err = {0};
    cdx_table *t = NULL;
    cdx_rows *r = NULL;
    double t0 = bench_now_ms();
    if (cdx_table_create(db, name, f, 3, CDX_OVERWRITE, NULL, &t, &err) ||
        cdx_rows_new(t, &r, &err))
        die("create", &err);
    cdx_table_set_durability(t, durability);
    for (size_t s = 0; s < d->n; s += batch) add_rows(t, r, d, s, d->n - s < batch ? d->n - s : batch);
    double ms = bench_now_ms() - t0;
    cdx_rows_free(r);
    cdx_table_close(t);
    return d->n / (ms / 1000);
}

static double search_median_ms(const cdx_table *t, const float *queries, size_t nq, size_t dim,
                               cdx_metric metric) {
    double *times = malloc(nq * sizeof *times);
    for (size_t q = 0; q <= nq; q++) { /* q == 0 warms up */
        cdx_search_hit *hits = NULL;
        size_t count = 0;
        cdx_error err = {0};
        double t0 = bench_now_ms();
        if (cdx_table_search(t, "vector", queries + (q ? q - 1 : 0) * dim, dim, metric, 10, 0,
                             &hits, &count, &err))
            die("search", &err);
        if (q) times[q - 1] = bench_now_ms() - t0;
        cdx_search_hits_free(hits);
    }
    double m = bench_median(times, nq);
    free(times);
    return m;
}

/* Reads every value of a batch (LanceDB's toArrow() materialises every column, so a fair scan
 * must touch all of them, not only produce batches that point into the mapped files). */
static volatile double scan_sink;
static double scan_touch(const cdx_table *t, const cdx_batch *b) {
    double acc = 0;
    uint64_t n = cdx_batch_num_rows(b);
    for (size_t c = 0; c < cdx_table_num_columns(t); c++) {
        switch (cdx_table_column_type(t, c)) {
        case CDX_COLUMN_INT64: {
            const int64_t *v = cdx_batch_int64(b, c);
            for (uint64_t i = 0; v && i < n; i++) acc += (double)v[i];
            break;
        }
        case CDX_COLUMN_UTF8:
            for (uint64_t i = 0; i < n; i++) {
                size_t len = 0;
                const char *sv = cdx_batch_utf8(b, c, i, &len);
                if (sv && len) acc += (unsigned char)sv[len - 1];
            }
            break;
        case CDX_COLUMN_VECTOR_F32: {
            const float *v = cdx_batch_float32(b, c);
            uint64_t m = n * cdx_table_column_dim(t, c);
            float f = 0;
            for (uint64_t i = 0; v && i < m; i++) f += v[i];
            acc += f;
            break;
        }
        default: break;
        }
    }
    return acc;
}

static double scan_rows_s(const cdx_table *t) {
    double times[3];
    for (int r = 0; r < 4; r++) { /* r == 0 warms up */
        cdx_scan *s = NULL;
        cdx_error err = {0};
        const cdx_batch *b = NULL;
        uint64_t rows = 0;
        double t0 = bench_now_ms();
        if (cdx_scan_open(t, &s, &err)) die("scan", &err);
        while (!cdx_scan_next(s, &b, &err) && b) {
            rows += cdx_batch_num_rows(b);
            scan_sink += scan_touch(t, b);
        }
        cdx_scan_close(s);
        if (r) times[r - 1] = bench_now_ms() - t0;
        if (rows != cdx_table_num_rows(t)) die("scan rows", &err);
    }
    return cdx_table_num_rows(t) / (bench_median(times, 3) / 1000);
}

/* Wall time of a new process (this program, --child-open) that opens the table and counts. */
static double open_count_process_ms(const char *self, const char *db) {
    double times[5];
    for (int r = 0; r < 5; r++) {
        char *argv[] = {(char *)self, (char *)"--child-open", (char *)db, NULL};
        pid_t pid;
        int status = 0;
        double t0 = bench_now_ms();
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        int spawn_rc = posix_spawn(&pid, self, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (spawn_rc || waitpid(pid, &status, 0) < 0 ||
            status)
            die("child open", NULL);
        times[r] = bench_now_ms() - t0;
    }
    return bench_median(times, 5);
}

static double memcpy_gb_s(size_t bytes) {
    char *a = malloc(bytes), *b = malloc(bytes);
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    double times[5];
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now_ms();
        memcpy(b, a, bytes);
        times[r] = bench_now_ms() - t0;
        a[r] = b[bytes - 1 - (size_t)r]; /* keep the copies observable */
    }
    free(a);
    free(b);
    return bytes / (bench_median(times, 5) / 1000) / 1e9;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--child-open")) {
        cdx_table *t = NULL;
        cdx_error err = {0};
        if (cdx_table_open(argv[2], "oneshot", 0, &t, &err)) die("open", &err);
        printf("%llu\n", (unsigned long long)cdx_table_num_rows(t));
        cdx_table_close(t);
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: bench_lance DBDIR [ROWS [DIM [QUERIES]]]\n");
        return 2;
    }
    const char *db = argv[1];
    bench_data d = {argc > 2 ? (size_t)atol(argv[2]) : 100000, argc > 3 ? (size_t)atol(argv[3]) : 768,
                    NULL, NULL, NULL};
    size_t nq = argc > 4 ? (size_t)atol(argv[4]) : 20;
    d.vectors = malloc(d.n * d.dim * sizeof *d.vectors);
    d.ids = malloc(d.n * sizeof *d.ids);
    d.names = malloc(d.n * sizeof *d.names);
    float *queries = malloc(nq * d.dim * sizeof *queries);
    for (size_t i = 0; i < d.n; i++) {
        bench_vector(d.vectors + i * d.dim, 0, i, d.dim);
        d.ids[i] = (int64_t)i;
        d.names[i] = malloc(32);
        snprintf(d.names[i], 32, "img_%07zu.jpg", i);
    }
    for (size_t q = 0; q < nq; q++) bench_vector(queries + q * d.dim, 0x80000000u + (uint32_t)(q * d.dim), 0, d.dim);

    double one = ingest(db, "oneshot", &d, d.n, CDX_DURABLE);
    printf("%-28s %.2f rows/s\n", "ingest_one_call_rows_s", one);
    double batched = ingest(db, "append", &d, 1000, CDX_DURABLE);
    printf("%-28s %.2f rows/s\n", "ingest_batches_1000_rows_s", batched);
    /* CDX_NO_SYNC: what LanceDB 0.31 does on a local disk (no fsync). */
    double one_ns = ingest(db, "oneshot_nosync", &d, d.n, CDX_NO_SYNC);
    printf("%-28s %.2f rows/s\n", "ingest_one_call_nosync_rows_s", one_ns);
    double batched_ns = ingest(db, "append_nosync", &d, 1000, CDX_NO_SYNC);
    printf("%-28s %.2f rows/s\n", "ingest_batches_1000_nosync_rows_s", batched_ns);
    cdx_table *t = NULL;
    cdx_error err = {0};
    if (cdx_table_open(db, "oneshot", 0, &t, &err)) die("open", &err);
    double cos_ms = search_median_ms(t, queries, nq, d.dim, CDX_METRIC_COSINE);
    printf("%-28s %.2f ms\n", "search_cosine_median_ms", cos_ms);
    double l2_ms = search_median_ms(t, queries, nq, d.dim, CDX_METRIC_L2);
    printf("%-28s %.2f ms\n", "search_l2_median_ms", l2_ms);
    double scan = scan_rows_s(t);
    printf("%-28s %.2f rows/s\n", "full_scan_rows_s", scan);
    cdx_table_close(t);
    double open_ms = open_count_process_ms("/proc/self/exe", db);
    printf("%-28s %.2f ms\n", "open_count_process_ms", open_ms);
    size_t bytes = d.n * d.dim * sizeof(float);
    double bw = memcpy_gb_s(bytes);
    double floor_ms = bytes / (bw * 1e9) * 1000;
    printf("%-28s %.2f GB/s (floor for %zu bytes: %.2f ms)\n", "memcpy_gb_s", bw, bytes, floor_ms);
    printf("RESULT {\"rows\":%zu,\"dim\":%zu,\"ingest_one_call_rows_s\":%.2f,"
           "\"ingest_batches_1000_rows_s\":%.2f,\"ingest_one_call_nosync_rows_s\":%.2f,"
           "\"ingest_batches_1000_nosync_rows_s\":%.2f,\"search_cosine_median_ms\":%.3f,"
           "\"search_l2_median_ms\":%.3f,\"full_scan_rows_s\":%.2f,\"open_count_process_ms\":%.3f,"
           "\"memcpy_gb_s\":%.3f,\"floor_ms\":%.3f}\n",
           d.n, d.dim, one, batched, one_ns, batched_ns, cos_ms, l2_ms, scan, open_ms, bw, floor_ms);
    for (size_t i = 0; i < d.n; i++) free(d.names[i]);
    free(d.names);
    free(d.ids);
    free(d.vectors);
    free(queries);
    return 0;
}
