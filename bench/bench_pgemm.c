/*
 * bench_pgemm.c — GFLOP/s of the fp32 linear layer on the towers' shapes: OpenBLAS sgemm
 * (mdl_linear, which re-packs the weight on every call) against the pre-packed kernel
 * (mdl_plinear), back to back in the same process, median of repeats. Timed in process CPU
 * time (the pool sleeps when idle), scaled by the thread count: on a shared machine that is
 * what quiet cores would do.
 * Usage: bench_pgemm [THREADS=2] [REPEATS=15]
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "model/pgemm.h"

typedef struct bp_shape {
    const char *what;
    size_t m, k, n;
} bp_shape;

static double cpu_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* GFLOP/s of OpenBLAS (rate[0]) and the packed kernel (rate[1]), alternating call by call so
 * both see the same neighbours. */
static void bp_rates(mdl_exec *ex, const bp_shape *s, const float *x, const float *w,
                     const mdl_pweight *pw, const float *bias, float *y, int reps, double *rate) {
    double t[2][64];
    const int threads = mdl_exec_threads(ex);
    if (reps > 64) reps = 64;
    for (int i = -1; i < reps; i++)
        for (int packed = 0; packed < 2; packed++) {
            double t0 = cpu_ms();
            if (packed)
                mdl_plinear(ex, x, s->k, s->m, pw, bias, y, s->n);
            else
                mdl_linear(ex, x, s->m, s->k, w, s->n, bias, y);
            if (i >= 0) t[packed][i] = (cpu_ms() - t0) / threads;
        }
    for (int packed = 0; packed < 2; packed++)
        rate[packed] = 2.0 * (double)s->m * (double)s->k * (double)s->n / 1e6 /
                       bench_median(t[packed], (size_t)reps);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2, reps = argc > 2 ? atoi(argv[2]) : 15;
    static const bp_shape shapes[] = {
        {"text Wqkv", 128, 768, 2304},  {"text out_proj", 128, 768, 768},
        {"text gated", 128, 768, 6144}, {"text wo", 128, 3072, 768},
        {"vision q", 1576, 768, 768},   {"vision w1", 1576, 768, 2048},
        {"vision w3", 1576, 2048, 768}, {"in-cache", 192, 256, 256},
    };
    mdl_exec *ex;
    cdx_error err = {0};
    if (reps < 1 || mdl_exec_new(threads, &ex, &err)) {
        fprintf(stderr, "bench_pgemm: %s\n", err.message[0] ? err.message : "bad arguments");
        return 1;
    }
    printf("%d threads; GFLOP/s (median of %d)\n", mdl_exec_threads(ex), reps);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const bp_shape *s = &shapes[i];
        float *x = malloc(s->m * s->k * sizeof *x), *w = malloc(s->n * s->k * sizeof *w);
        float *bias = malloc(s->n * sizeof *bias), *y = malloc(s->m * s->n * sizeof *y);
        mdl_pweight pw;
        if (!x || !w || !bias || !y) {
            free(x);
            free(w);
            free(bias);
            free(y);
            return 1;
        }
        for (size_t j = 0; j < s->m * s->k; j++)
            x[j] = (float)(j % 17) * 0.01f;
        for (size_t j = 0; j < s->n * s->k; j++)
            w[j] = (float)(j % 13) * 0.01f;
        for (size_t j = 0; j < s->n; j++)
            bias[j] = 0.5f;
        if (mdl_pweight_pack(w, s->n, s->k, &pw, &err)) {
            fprintf(stderr, "bench_pgemm: %s\n", err.message);
            free(x);
            free(w);
            free(bias);
            free(y);
            return 1;
        }
        double rate[2];
        bp_rates(ex, s, x, w, &pw, bias, y, reps, rate);
        double blas = rate[0], packed = rate[1];
        printf("%-14s %5zu x %4zu x %4zu: OpenBLAS %6.1f  packed %6.1f  (%.2fx)\n", s->what, s->m,
               s->k, s->n, blas, packed, packed / blas);
        mdl_pweight_free(&pw);
        free(x);
        free(w);
        free(bias);
        free(y);
    }
    mdl_exec_free(ex);
    return 0;
}
