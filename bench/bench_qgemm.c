/*
 * bench_qgemm.c — the quantised linear layer (mdl_qlinear, every kernel this CPU has) against
 * OpenBLAS cblas_sgemm fp32 on jina-clip-v1's linear shapes, same threads, same run. Prints
 * GFLOP/s (2·M·N·K per product; the quantised time includes quantising x, dequantising and the
 * bias), the ratio to sgemm (runs interleaved), and the relative error ||y_q - y_fp32|| /
 * ||y_fp32|| on normal data (sgemm has no bias here, so neither has that check).
 * Usage: bench_qgemm [threads (2)] [repetitions (7)]
 * [wall|cpu] (cpu: time = the process's CPU time, steadier than wall time on a loaded machine;
 * with several threads it measures work, not latency);
 * CDX_QGEMM_KERNEL=scalar|avx2|avx512vnni times that kernel only; CDX_QGEMM_PRECISION=w8a8
 * times the W8A8 precision instead of the default W10A10.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "model/qgemm.h"

/* Milliseconds on the chosen clock: wall, or this process's CPU time. */
static double bench_clock_ms(int cpu) {
    if (!cpu) return bench_now_ms();
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

typedef struct bench_shape {
    const char *what;
    int m, k, n;
} bench_shape;

static const bench_shape shapes[] = {
    {"vision qkv (8 images)", 1576, 768, 2304},
    {"vision proj (8 images)", 1576, 768, 768},
    {"vision w1|w2 (8 images)", 1576, 768, 2048},
    {"vision w3 (8 images)", 1576, 2048, 768},
    {"text qkv (8x16 tokens)", 128, 768, 2304},
    {"text out (8x16 tokens)", 128, 768, 768},
    {"text gated (8x16 tokens)", 128, 768, 6144},
    {"text wo (8x16 tokens)", 128, 3072, 768},
};

/* Normal(0, std) values (Box-Muller over the lowbias32 hash). */
static float *bench_random(size_t count, uint32_t seed, float std) {
    float *v = malloc(count * sizeof *v);
    if (!v) exit(1);
    for (size_t i = 0; i < count; i++) {
        double u1 = (bench_lowbias32(seed * 0x9e3779b9u + 2 * (uint32_t)i) + 0.5) / 4294967296.0;
        double u2 = (bench_lowbias32(seed * 0x9e3779b9u + 2 * (uint32_t)i + 1) + 0.5) / 4294967296.0;
        v[i] = std * (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
    }
    return v;
}

/* ||got - want|| / ||want|| over n values. */
static double bench_rel_error(const float *got, const float *want, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += ((double)got[i] - want[i]) * ((double)got[i] - want[i]);
        den += (double)want[i] * want[i];
    }
    return sqrt(num / den);
}

static void run_sgemm(const bench_shape *s, const float *x, const float *w, float *y) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->m, s->n, s->k, 1.0f, x, s->k, w, s->k,
                0.0f, y, s->n);
}

static void run_qlinear(const bench_shape *s, const float *x, const mdl_qweight *qw,
                        const float *bias, float *y, core_pool *pool, mdl_qworkspace *ws) {
    cdx_error err = {0};
    if (mdl_qlinear(x, (size_t)s->m, (size_t)s->k, qw, bias, y, pool, ws, &err) != 0) {
        fprintf(stderr, "mdl_qlinear: %s\n", err.message);
        exit(1);
    }
}

/* Kernels to time: the one $CDX_QGEMM_KERNEL names, else every supported one (the scalar twin
 * only when asked for, it is ~50x slower). */
static int bench_wanted(mdl_qkernel kern) {
    if (!mdl_qkernel_supported(kern)) return 0;
    const char *forced = getenv("CDX_QGEMM_KERNEL");
    if (forced) return strcmp(forced, mdl_qkernel_name(kern)) == 0;
    return kern != MDL_QKERNEL_SCALAR;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2, reps = argc > 2 ? atoi(argv[2]) : 7;
    int cpu = argc > 3 && strcmp(argv[3], "cpu") == 0;
    if (threads < 1 || reps < 1 || reps > 31 ||
        (argc > 3 && !cpu && strcmp(argv[3], "wall") != 0)) {
        fprintf(stderr, "usage: bench_qgemm [threads] [repetitions <= 31] [wall|cpu]\n");
        return 2;
    }
    openblas_set_num_threads(threads);
    core_pool *pool = NULL;
    cdx_error err = {0};
    if (core_pool_new(threads, &pool, &err) != 0) return 1;
    mdl_qprecision prec = mdl_qprecision_default();
    printf("precision %s, threads %d, %s time, median of %d interleaved runs after one warm-up; "
           "GFLOP/s = 2*M*N*K / time; ratio = sgemm time / quantised time\n",
           mdl_qprecision_name(prec), threads, cpu ? "CPU" : "wall", reps);
    printf("%-26s %5s %5s %5s %7s", "shape", "M", "K", "N", "sgemm");
    for (int kern = 0; kern < MDL_QKERNEL_COUNT; kern++)
        if (bench_wanted((mdl_qkernel)kern))
            printf(" %11s %6s", mdl_qkernel_name((mdl_qkernel)kern), "ratio");
    printf(" %9s\n", "rel.err");
    double total_s = 0, total_q[MDL_QKERNEL_COUNT] = {0};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const bench_shape *s = &shapes[i];
        size_t mk = (size_t)s->m * s->k, nk = (size_t)s->n * s->k, mn = (size_t)s->m * s->n;
        /* LayerNorm-like activations, weights like the reference's init (std 0.02) */
        float *x = bench_random(mk, 1, 1.0f), *w = bench_random(nk, 2, 0.02f);
        float *bias = bench_random((size_t)s->n, 3, 0.02f), *y = malloc(mn * sizeof *y);
        float *ys = malloc(mn * sizeof *ys);
        if (!ys) exit(1);
        mdl_qweight qw[MDL_QKERNEL_COUNT];
        mdl_qworkspace ws[MDL_QKERNEL_COUNT];
        memset(ws, 0, sizeof ws);
        if (!y) exit(1);
        for (int kern = 0; kern < MDL_QKERNEL_COUNT; kern++)
            if (bench_wanted((mdl_qkernel)kern) &&
                mdl_qweight_prepare_with(w, (size_t)s->n, (size_t)s->k, (mdl_qkernel)kern, prec,
                                           &qw[kern], &err) != 0) {
                fprintf(stderr, "prepare: %s\n", err.message);
                exit(1);
            }
        double ts[32], tq[MDL_QKERNEL_COUNT][32];
        for (int r = 0; r <= reps; r++) { /* interleaved, so load from elsewhere hits all alike */
            double t0 = bench_clock_ms(cpu);
            run_sgemm(s, x, w, ys);
            ts[r] = bench_clock_ms(cpu) - t0;
            for (int kern = 0; kern < MDL_QKERNEL_COUNT; kern++) {
                if (!bench_wanted((mdl_qkernel)kern)) continue;
                t0 = bench_clock_ms(cpu);
                run_qlinear(s, x, &qw[kern], bias, y, pool, &ws[kern]);
                tq[kern][r] = bench_clock_ms(cpu) - t0;
            }
        }
        double gflop = 2.0 * mn * s->k / 1e9, ms = bench_median(ts + 1, (size_t)reps), kern_err = -1;
        total_s += ms;
        printf("%-26s %5d %5d %5d %7.1f", s->what, s->m, s->k, s->n, gflop / ms * 1e3);
        for (int kern = 0; kern < MDL_QKERNEL_COUNT; kern++) {
            if (!bench_wanted((mdl_qkernel)kern)) continue;
            double mq = bench_median(tq[kern] + 1, (size_t)reps);
            total_q[kern] += mq;
            printf(" %11.1f %5.2fx", gflop / mq * 1e3, ms / mq);
            if (kern_err < 0) { /* every kernel gives the same floats; the error vs fp32 once */
                run_qlinear(s, x, &qw[kern], NULL, y, pool, &ws[kern]);
                kern_err = bench_rel_error(y, ys, mn);
            }
            mdl_qworkspace_free(&ws[kern]);
            mdl_qweight_free(&qw[kern]);
        }
        printf(" %9.2e\n", kern_err);
        free(x), free(w), free(bias), free(y), free(ys);
    }
    printf("%-26s %17s %7.1f ms", "all shapes, sum of medians", "", total_s);
    for (int kern = 0; kern < MDL_QKERNEL_COUNT; kern++)
        if (bench_wanted((mdl_qkernel)kern))
            printf(" %8.1f ms %5.2fx", total_q[kern], total_s / total_q[kern]);
    printf("\n");
    core_pool_free(pool);
    return 0;
}
