/*
 * bench_lance_ingest.c — the ingest half of bench_lance alone, for profiling the write path
 * (perf record / callgrind): creates table "t" under DBDIR and appends ROWS rows of the recipe's
 * schema (file_id, file_name, 768-d vector) in cdx_table_add calls of BATCH rows.
 * usage: bench_lance_ingest DBDIR [ROWS [BATCH [DIM]]]   (prints rows/s)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clipdex.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void die(const cdx_error *err)
{
    fprintf(stderr, "bench_lance_ingest: %s\n", err->message);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_lance_ingest DBDIR [ROWS [BATCH [DIM]]]\n");
        return 2;
    }
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 100000;
    size_t batch = argc > 3 ? (size_t)atol(argv[3]) : 1000;
    size_t dim = argc > 4 ? (size_t)atol(argv[4]) : 768;
    if (!n || !batch || !dim) return 2;
    float *v = malloc(n * dim * sizeof *v);
    int64_t *ids = malloc(n * sizeof *ids);
    char **names = malloc(n * sizeof *names);
    for (size_t i = 0; i < n * dim; i++) v[i] = (float)((i * 2654435761u) % 1000) / 1000.f;
    for (size_t i = 0; i < n; i++) {
        ids[i] = (int64_t)i;
        names[i] = malloc(32);
        snprintf(names[i], 32, "img_%07zu.jpg", i);
    }
    cdx_field f[3] = {{"file_id", CDX_COLUMN_INT64, 0, 0}, {"file_name", CDX_COLUMN_UTF8, 0, 0},
                      {"vector", CDX_COLUMN_VECTOR_F32, (uint32_t)dim, 0}};
    cdx_error err = {0};
    cdx_table *t = NULL;
    cdx_rows *r = NULL;
    double t0 = now_ms();
    if (cdx_table_create(argv[1], "t", f, 3, CDX_OVERWRITE, NULL, &t, &err) ||
        cdx_rows_new(t, &r, &err))
        die(&err);
    for (size_t s = 0; s < n; s += batch) {
        size_t c = n - s < batch ? n - s : batch;
        cdx_rows_clear(r);
        if (cdx_rows_set_int64(r, "file_id", ids + s, c, &err) ||
            cdx_rows_set_utf8(r, "file_name", (const char *const *)names + s, c, &err) ||
            cdx_rows_set_vector_f32(r, "vector", v + s * dim, c, &err) || cdx_table_add(t, r, &err))
            die(&err);
    }
    double ms = now_ms() - t0;
    printf("%zu rows in batches of %zu: %.0f rows/s (%.1f ms, version %llu)\n", n, batch,
           n / (ms / 1000), ms, (unsigned long long)cdx_table_version(t));
    cdx_rows_free(r);
    cdx_table_close(t);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    free(ids);
    free(v);
    return 0;
}
