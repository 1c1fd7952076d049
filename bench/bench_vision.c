/*
 * bench_vision.c — images/s of the vision tower on a model directory, batch B (default 8),
 * T threads (default 2): median seconds per batch after a warm-up, and the achieved GFLOP/s
 * counting the tower's matrix products (35.1 GFLOP per 224x224 image at full size), for one or
 * more precisions (--precision fp32,int10: interleaved in the same process; default
 * $CLIPDEX_PRECISION, else fp32). The PyTorch reference runs beside it in bench/model_bench.sh
 * on the same weights.
 *   bench_vision MODEL_DIR [--threads T] [--batch B] [--iters N] [--precision LIST]
 */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "model/vision.h"

#define BV_MAX_PREC 3

/* One precision's timings: wall ms per batch, CPU ms in all, the first (preparing) batch. */
typedef struct bv_run {
    mdl_precision prec;
    double *t, cpu_ms, first_ms;
    int n;
} bv_run;

static int bv_parse(const char *list, bv_run *runs) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    int count = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && count < BV_MAX_PREC;
         tok = strtok_r(NULL, ",", &save)) {
        cdx_error err = {0};
        if (mdl_precision_parse(tok, &runs[count++].prec, &err)) {
            fprintf(stderr, "bench_vision: %s\n", err.message);
            return 0;
        }
    }
    return count;
}

static double cpu_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Multiply-adds x 2 of every matrix product of one image (research note jina-clip.md §5). */
static double flops_per_image(const mdl_vision_config *c) {
    const int grid = c->image_size / c->patch_size;
    const double g = grid, N = g * g + 1, W = c->width, M = c->mlp_hidden;
    const double patch = 2.0 * g * g * 3.0 * c->patch_size * c->patch_size * W;
    const double block = 2.0 * N * W * W * 4 + 2.0 * 2.0 * N * N * W + 2.0 * N * W * M * 3;
    return patch + block * c->layers;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_vision MODEL_DIR [--threads T] [--batch B] [--iters N]\n");
        return 2;
    }
    int threads = 2, batch = 8, iters = 5, nprec = 0;
    bv_run runs[BV_MAX_PREC] = {{0}};
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--threads") == 0) threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--batch") == 0) batch = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--iters") == 0) iters = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--precision") == 0 && !(nprec = bv_parse(argv[i + 1], runs))) return 2;
    }
    if (batch < 1 || iters < 1 || iters > 1000) return 2;
    cdx_error err = {0};
    mdl_model *m = NULL;
    if (mdl_model_open(argv[1], MDL_TOWER_VISION, threads, &m, &err) != CDX_OK) goto fail;
    if (nprec == 0) runs[nprec++].prec = mdl_model_precision(m); /* $CLIPDEX_PRECISION */
    const mdl_vision_config cfg_v = m->config.vision;
    const size_t S = (size_t)cfg_v.image_size, W = (size_t)cfg_v.width;
    const size_t npx = (size_t)batch * 3 * S * S;
    float *px = malloc(npx * sizeof *px), *out = malloc((size_t)batch * W * sizeof *out);
    int rc = 1;
    for (int p = 0; p < nprec; p++)
        if (!(runs[p].t = malloc((size_t)iters * sizeof *runs[p].t))) goto done;
    if (!px || !out) goto done;
    for (size_t i = 0; i < npx; i++) px[i] = (float)(bench_lowbias32((uint32_t)i) / 4294967296.0 * 4 - 2);
    /* Precisions take turns batch by batch, so each sees the same load; each first runs one
     * warm-up batch (page faults of the mapped weights; integer weights prepared). */
    for (int i = -1; i < iters; i++)
        for (int p = 0; p < nprec; p++) {
            bv_run *r = &runs[p];
            if (mdl_model_set_precision(m, r->prec, &err) != CDX_OK) goto done;
            double t0 = bench_now_ms(), c0 = cpu_now_ms();
            if (mdl_vision_embed(m, px, (size_t)batch, out, &err) != CDX_OK) goto done;
            if (i < 0) r->first_ms = bench_now_ms() - t0;
            else r->t[r->n++] = bench_now_ms() - t0, r->cpu_ms += cpu_now_ms() - c0;
        }
    const double gf = flops_per_image(&cfg_v) / 1e9;
    double ms = 0;
    for (int p = 0; p < nprec; p++) {
        const bv_run *r = &runs[p];
        const double rms = bench_median(r->t, (size_t)iters);
        const char *pn = mdl_precision_name(r->prec);
        if (p == 0) ms = rms;
        printf("clipdex vision %s: batch %d, %d threads: %.1f ms/batch (median of %d), %.2f images/s, "
               "%.1f GFLOP/s (%.1f GFLOP/image)\n",
               pn, batch, threads, rms, iters, batch / (rms / 1e3), gf * batch / (rms / 1e3), gf);
        /* On a loaded machine wall time measures the neighbours; CPU time per image still says
         * what `threads` quiet cores would do (a no-spin pool burns no CPU while it waits). */
        const double cpu_rate = batch * iters / (r->cpu_ms / 1e3) * threads;
        printf("  CPU time: %.1f s per batch -> %.2f images/s on %d quiet cores (estimate)\n",
               r->cpu_ms / 1e3 / iters, cpu_rate, threads);
        if (r->prec != MDL_PREC_FP32)
            printf("  first batch (prepares the integer weights, %s kernel): %.0f ms\n",
                   mdl_qkernel_name(mdl_qkernel_default()), r->first_ms);
        printf("{\"precision\": \"%s\", \"images_per_s\": %.3f, \"cpu_images_per_s\": %.3f, "
               "\"gflops\": %.1f, \"batch\": %d, \"threads\": %d}\n",
               pn, batch / (rms / 1e3), cpu_rate, gf * batch / (rms / 1e3), batch, threads);
        if (p > 0)
            printf("  %s / %s: %.2fx wall (median), %.2fx CPU time\n", pn,
                   mdl_precision_name(runs[0].prec), bench_median(runs[0].t, (size_t)iters) / rms,
                   runs[0].cpu_ms / r->cpu_ms);
    }
    if (mdl_model_qbytes(m))
        printf("integer weights held: %.0f MB (beside the fp32 mapping)\n", mdl_model_qbytes(m) / 1048576.0);
    /* OpenBLAS's rate on the same pool, for the MLP's biggest product (batch x tokens rows). */
    {
        const size_t rows = (size_t)batch * (size_t)((S / (size_t)cfg_v.patch_size) * (S / (size_t)cfg_v.patch_size) + 1);
        const size_t M = (size_t)cfg_v.mlp_hidden;
        float *x = calloc(rows * W, sizeof *x), *y = malloc(rows * M * sizeof *y);
        if (x && y) {
            double tg[5] = {0};
            for (int i = -1; i < 5; i++) {
                double t0 = bench_now_ms();
                mdl_linear(m->exec, x, rows, W, m->weights.vision.blocks[0].w1, M, NULL, y);
                if (i >= 0) tg[i] = bench_now_ms() - t0;
            }
            const double g = 2.0 * (double)rows * (double)W * (double)M / 1e9 / (bench_median(tg, 5) / 1e3);
            printf("OpenBLAS sgemm (%zux%zux%zu) on the same %d threads: %.1f GFLOP/s; the tower "
                   "(fp32 GEMM: %s) reaches %.0f%% of it\n",
                   rows, W, M, threads, g,
                   mdl_model_pbytes(m) ? "packed" : "OpenBLAS", /* only vision runs here */
                   100.0 * gf * batch / (ms / 1e3) / g);
            /* the packed kernel (pgemm.h) on the same product, weights packed beforehand */
            mdl_pweight pw;
            if (mdl_pweight_pack(m->weights.vision.blocks[0].w1, M, W, &pw, &err) == 0) {
                for (int i = -1; i < 5; i++) {
                    double t0 = bench_now_ms();
                    mdl_plinear(m->exec, x, W, rows, &pw, NULL, y, M);
                    if (i >= 0) tg[i] = bench_now_ms() - t0;
                }
                printf("packed fp32 kernel (pgemm.h) on the same product: %.1f GFLOP/s\n",
                       2.0 * (double)rows * (double)W * (double)M / 1e9 / (bench_median(tg, 5) / 1e3));
                mdl_pweight_free(&pw);
            }
        }
        free(x);
        free(y);
    }
    rc = 0;
done:
    if (rc) fprintf(stderr, "bench_vision: %s\n", err.message[0] ? err.message : "out of memory");
    free(px);
    free(out);
    for (int p = 0; p < nprec; p++) free(runs[p].t);
    mdl_model_close(m);
    return rc;
fail:
    fprintf(stderr, "bench_vision: %s\n", err.message);
    return 1;
}
