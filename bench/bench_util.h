/*
 * bench_util.h — helpers the benchmark programs share: the deterministic unit vectors that
 * tests/interop/lib.mjs also generates (so clipdex and LanceDB see the same data), a monotonic
 * millisecond clock and the median of repeated timings.
 */
#ifndef CDX_BENCH_UTIL_H
#define CDX_BENCH_UTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* lowbias32 (Chris Wellons' hash), as tests/interop/lib.mjs uses it. */
static inline uint32_t bench_lowbias32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* Vector i of a data set seeded by `base`: uniform in [-1, 1) per element, L2-normalised. */
static inline void bench_vector(float *out, uint32_t base, size_t i, size_t dim) {
    double ss = 0;
    for (size_t j = 0; j < dim; j++) {
        double v = bench_lowbias32(base + (uint32_t)(i * dim + j)) / 4294967296.0 * 2 - 1;
        out[j] = (float)v;
        ss += v * v;
    }
    for (size_t j = 0; j < dim; j++) out[j] = (float)(out[j] / sqrt(ss));
}

static inline double bench_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of n timings (sorts v in place). */
static inline double bench_median(double *v, size_t n) {
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
