/*
 * bench_lance_write.c — Lance data-file writer throughput: 100,000 rows of the recipe schema
 * (file_id int64, file_name utf8, vector fixed_size_list<float32, 768>) written in one call and
 * in batches of 1,000, format 2.1 and 2.0, including fsync and rename; prints rows/s and MB/s.
 * The rows are built once beforehand, so only the writer is timed.
 * usage: bench_lance_write [ROWS [DIM [DIR]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lance/writer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Columns for rows [0, rows): ids, "img_0000042.jpg" names, pseudo-random unit-ish vectors. */
static void make_rows(uint64_t rows, uint32_t dim, lance_column *cols)
{
    memset(cols, 0, 3 * sizeof *cols);
    if (lance_column_alloc(&cols[0], LANCE_TYPE_INT64, 1, rows, NULL) ||
        lance_column_alloc(&cols[1], LANCE_TYPE_UTF8, 1, rows, NULL) ||
        lance_column_alloc(&cols[2], LANCE_TYPE_FSL_F32, dim, rows, NULL))
        abort();
    cols[1].data = malloc(rows * 16 + 1);
    if (!cols[1].data) abort();
    uint32_t x = 12345;
    for (uint64_t i = 0; i < rows; i++) {
        ((int64_t *)cols[0].values)[i] = (int64_t)i;
        int n = snprintf(cols[1].data + cols[1].offsets[i], 17, "img_%07llu.jpg", (unsigned long long)i);
        cols[1].offsets[i + 1] = cols[1].offsets[i] + (uint64_t)n;
        for (uint32_t j = 0; j < dim; j++) {
            x = x * 1664525u + 1013904223u;
            ((float *)cols[2].values)[i * dim + j] = (float)(x >> 8) / 16777216.0f - 0.5f;
        }
    }
    cols[1].data_len = cols[1].offsets[rows];
}

/* A view of rows [start, start+n) of the three columns (no copy; utf8 offsets rebased). */
static void slice(const lance_column *all, uint64_t start, uint64_t n, lance_column *out,
                  uint64_t *offsets)
{
    for (int c = 0; c < 3; c++) out[c] = all[c];
    out[0].length = out[1].length = out[2].length = n;
    out[0].values = (int64_t *)all[0].values + start;
    out[2].values = (float *)all[2].values + start * all[2].dim;
    for (uint64_t i = 0; i <= n; i++) offsets[i] = all[1].offsets[start + i] - all[1].offsets[start];
    out[1].offsets = offsets;
    out[1].data = all[1].data + all[1].offsets[start];
    out[1].data_len = offsets[n];
}

static double run(const char *path, int minor, const lance_column *all, uint64_t rows,
                  uint64_t batch, uint64_t *size)
{
    lance_field_desc f[3] = {{"file_id", 0, LANCE_TYPE_INT64, 1, 1},
                             {"file_name", 1, LANCE_TYPE_UTF8, 1, 1},
                             {"vector", 2, LANCE_TYPE_FSL_F32, all[2].dim, 1}};
    uint64_t *offsets = malloc((batch + 1) * sizeof *offsets);
    lance_writer *w;
    cdx_error err = {0};
    lance_write_info info = {0};
    double t0 = now();
    int rc = lance_writer_open(path, f, 3, minor, &w, &err);
    for (uint64_t s = 0; s < rows && !rc; s += batch) {
        lance_column part[3];
        slice(all, s, rows - s < batch ? rows - s : batch, part, offsets);
        rc = lance_writer_add(w, part, &err);
    }
    if (!rc) rc = lance_writer_finish(w, &info, &err);
    double t = now() - t0;
    free(offsets);
    if (rc) {
        fprintf(stderr, "bench_lance_write: %s\n", err.message);
        exit(1);
    }
    *size = info.file_size;
    unlink(path);
    return t;
}

int main(int argc, char **argv)
{
    uint64_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    uint32_t dim = argc > 2 ? (uint32_t)atoi(argv[2]) : 768;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    lance_column all[3];
    make_rows(rows, dim, all);
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_lance_write_%d.lance", dir, (int)getpid());
    printf("lance writer: %llu rows x %u dims into %s\n", (unsigned long long)rows, dim, dir);
    for (int minor = 1; minor >= 0; minor--) {
        uint64_t batches[2] = {rows ? rows : 1, 1000};
        for (int b = 0; b < 2; b++) {
            uint64_t size;
            double t = run(path, minor, all, rows, batches[b], &size);
            printf("format 2.%d  %-12s %10.0f rows/s  %8.1f MB/s  (%.3f s, %.1f MB)\n", minor,
                   b ? "batch 1000" : "one call", rows / t, size / t / 1e6, t, size / 1e6);
        }
    }
    for (int c = 0; c < 3; c++) lance_column_free(&all[c]);
    return 0;
}
