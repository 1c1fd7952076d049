/*
 * bench_search.c — exact top-10 search over 100,000 x 768 float32 (the anchor's recipe data):
 * median latency per query for each kernel level with 1 thread and with all cores, against the
 * memory floor (a memcpy of the same bytes), printed as ratios.
 * usage: bench_search [ROWS [DIM [QUERIES]]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/flat_search.h"
#include "bench_util.h"


static double memcpy_floor_ms(const float *src, size_t bytes) {
    void *dst = malloc(bytes);
    double t[5];
    memcpy(dst, src, bytes); /* fault the pages in */
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now_ms();
        memcpy(dst, src, bytes);
        t[r] = bench_now_ms() - t0;
    }
    volatile char sink = ((char *)dst)[bytes / 2];
    (void)sink;
    free(dst);
    return bench_median(t, 5);
}

static double search_median_ms(const store_kernels *k, core_pool *pool, const float *m, size_t n,
                               size_t dim, const float *queries, int nq, cdx_metric metric) {
    double *t = malloc((size_t)nq * sizeof *t);
    store_hit hits[10];
    size_t count;
    store_flat_search_with(k, pool, m, n, dim, NULL, queries, metric, 10, hits, &count, NULL);
    for (int q = 0; q < nq; q++) {
        double t0 = bench_now_ms();
        store_flat_search_with(k, pool, m, n, dim, NULL, queries + q * dim, metric, 10, hits,
                               &count, NULL);
        t[q] = bench_now_ms() - t0;
    }
    double med = bench_median(t, (size_t)nq);
    free(t);
    return med;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t dim = argc > 2 ? strtoul(argv[2], NULL, 10) : 768;
    int nq = argc > 3 ? atoi(argv[3]) : 20;
    float *m = malloc(n * dim * sizeof *m), *queries = malloc((size_t)nq * dim * sizeof *queries);
    if (!m || !queries) {
        free(m);
        free(queries);
        return 1;
    }
    for (size_t i = 0; i < n; i++) bench_vector(m + i * dim, 0, i, dim);
    for (int q = 0; q < nq; q++) bench_vector(queries + q * dim, 0x80000000u, (size_t)q, dim);
    size_t bytes = n * dim * sizeof(float);
    double floor_ms = memcpy_floor_ms(m, bytes);
    printf("bench_search: %zu x %zu float32 (%.1f MB), top-10, median of %d queries\n", n, dim,
           bytes / 1e6, nq);
    printf("memcpy floor: %.2f ms (%.2f GB/s copy bandwidth)\n", floor_ms, bytes / floor_ms / 1e6);
    int cores = core_cpu_count();
    core_pool *pool = NULL;
    cdx_error err = {0};
    if (cores > 1 && core_pool_new(cores, &pool, &err) != CDX_OK) {
        free(m);
        free(queries);
        return 1;
    }
    const cdx_metric metrics[2] = {CDX_METRIC_COSINE, CDX_METRIC_L2};
    double scalar1[2] = {0};
    printf("%-8s %-7s %-7s %10s %12s %12s\n", "kernel", "threads", "metric", "median ms",
           "vs scalar/1", "vs memcpy");
    for (int lvl = 0; lvl <= 2; lvl++) {
        const store_kernels *k = store_kernels_for((store_simd)lvl);
        if (!k) {
            printf("%-8s (not supported by this CPU)\n", lvl == 1 ? "avx2" : "avx512");
            continue;
        }
        for (int mt = 0; mt < (pool ? 2 : 1); mt++)
            for (int mi = 0; mi < 2; mi++) {
                double ms = search_median_ms(k, mt ? pool : NULL, m, n, dim, queries, nq,
                                             metrics[mi]);
                if (lvl == 0 && mt == 0) scalar1[mi] = ms;
                printf("%-8s %-7d %-7s %10.2f %11.2fx %11.2fx\n", k->name, mt ? cores : 1,
                       cdx_metric_name(metrics[mi]), ms, scalar1[mi] / ms, ms / floor_ms);
            }
    }
    core_pool_free(pool);
    free(m);
    free(queries);
    return 0;
}
