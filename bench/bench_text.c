/*
 * bench_text.c — texts/s of the C text tower: batches of B random token sequences of S tokens
 * ([CLS] ids [SEP], ids in 1000..29999 as the reference's bench draws them) through
 * mdl_text_embed, median over repeats after warm-up, for one or more precisions (fp32, int10,
 * int8) run in interleaved rounds of the same process, so each sees the same machine load.
 * bench/model_bench.sh runs it beside the PyTorch reference on the same full-size random weights.
 * Usage: bench_text MODEL_DIR [THREADS=2] [BATCH=8] [TOKENS=16] [SECONDS=5] [PRECISIONS]
 * PRECISIONS: comma-separated, e.g. fp32,int10 (default: $CLIPDEX_PRECISION, else fp32);
 * fp32-openblas is fp32 through OpenBLAS sgemm instead of the packed kernel (CDX_MODEL_GEMM=openblas
 * during its rounds; its first round refaults the mapped weights, so peak RSS then counts both).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "model/text.h"

#define BT_ROUNDS 3      /* interleaved rounds per precision when several are compared */
#define BT_MAX_TIMES 4096

/* Process CPU time (all threads), ms: on a shared machine, work per CPU-second is steadier than
 * wall time. */
static double cpu_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

typedef struct bt_run {
    mdl_precision prec;
    int openblas; /* fp32 through OpenBLAS (CDX_MODEL_GEMM=openblas) */
    double times[BT_MAX_TIMES], cpu_ms, prep_ms;
    size_t n;
} bt_run;

static const char *bt_name(const bt_run *r) {
    return r->openblas ? "fp32-openblas" : mdl_precision_name(r->prec);
}

/* Parses "fp32,int10" into runs; returns the count (0 on a bad name). */
static int bt_parse(const char *list, bt_run *runs, int cap) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    int count = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && count < cap;
         tok = strtok_r(NULL, ",", &save)) {
        cdx_error err = {0};
        runs[count].openblas = strcmp(tok, "fp32-openblas") == 0;
        if (runs[count].openblas) tok = "fp32";
        if (mdl_precision_parse(tok, &runs[count].prec, &err)) {
            fprintf(stderr, "bench_text: %s\n", err.message);
            return 0;
        }
        count++;
    }
    return count;
}

/* One round of `seconds` for run r (first round: preparation and two warm-up batches). */
static int bt_round(mdl_model *m, bt_run *r, const int32_t *ids, size_t batch, size_t seq,
                    float *out, double seconds, int first, const char *gemm_env, cdx_error *err) {
    int rc = mdl_model_set_precision(m, r->prec, err);
    /* fp32-openblas forces OpenBLAS; the other runs see the caller's $CDX_MODEL_GEMM */
    if (r->openblas) setenv(MDL_GEMM_ENV, "openblas", 1);
    else if (gemm_env) setenv(MDL_GEMM_ENV, gemm_env, 1);
    else unsetenv(MDL_GEMM_ENV);
    double t0 = bench_now_ms();
    for (int w = 0; w < (first ? 2 : 1) && !rc; w++) {
        rc = mdl_text_embed(m, ids, NULL, batch, seq, out, err);
        if (first && w == 0) r->prep_ms = bench_now_ms() - t0;
    }
    double start = bench_now_ms(), cpu0 = cpu_now_ms();
    size_t n0 = r->n;
    while (!rc && r->n < BT_MAX_TIMES && (r->n - n0 < 3 || bench_now_ms() - start < seconds * 1e3)) {
        double t1 = bench_now_ms();
        rc = mdl_text_embed(m, ids, NULL, batch, seq, out, err);
        r->times[r->n++] = bench_now_ms() - t1;
    }
    r->cpu_ms += cpu_now_ms() - cpu0;
    return rc;
}

static void bt_report(const mdl_model *m, bt_run *r, size_t batch, size_t seq, int several) {
    double med = bench_median(r->times, r->n), cpu_s = r->cpu_ms / 1e3;
    int th = mdl_exec_threads(m->exec);
    if (several) printf("[%s] ", bt_name(r));
    printf("clipdex text (%zu tokens) batch %zu, %d threads, kernels %s, %s: %.1f ms/batch "
           "(median of %zu), %.1f texts/s\n",
           seq, batch, th, m->k->name, bt_name(r), med, r->n,
           batch / (med / 1e3));
    if (several) printf("[%s] ", bt_name(r));
    printf("CPU time %.1f ms/batch: %.1f texts per CPU-second x %d threads = %.1f texts/s if "
           "the %d CPUs were free\n", cpu_s * 1e3 / (double)r->n, batch * r->n / cpu_s, th,
           batch * r->n / cpu_s * th, th);
    if (r->prec != MDL_PREC_FP32)
        printf("  first batch (prepares the integer weights, %s kernel) %.0f ms\n",
               mdl_qkernel_name(mdl_qkernel_default()), r->prep_ms);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL_DIR [THREADS] [BATCH] [TOKENS] [SECONDS] [PRECISIONS]\n",
                argv[0]);
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    size_t batch = argc > 3 ? (size_t)atoi(argv[3]) : 8;
    size_t seq = argc > 4 ? (size_t)atoi(argv[4]) : 16;
    double seconds = argc > 5 ? atof(argv[5]) : 5.0;
    if (batch == 0 || seq < 2) return 2;
    cdx_error err = {0};
    mdl_model *m = NULL;
    if (mdl_model_open(argv[1], MDL_TOWER_TEXT, threads, &m, &err)) {
        fprintf(stderr, "bench_text: %s\n", err.message);
        return 1;
    }
    static bt_run runs[4];
    int nruns = argc > 6 ? bt_parse(argv[6], runs, 4) : 1;
    if (argc <= 6) runs[0].prec = mdl_model_precision(m); /* $CLIPDEX_PRECISION */
    int32_t *ids = malloc(batch * seq * sizeof *ids);
    float *out = malloc(batch * (size_t)m->config.text.hidden * sizeof *out);
    if (nruns == 0 || !ids || !out) {
        free(ids);
        free(out);
        mdl_model_close(m);
        return 2;
    }
    for (size_t b = 0; b < batch; b++)
        for (size_t s = 0; s < seq; s++)
            ids[b * seq + s] = s == 0 ? 101 : s == seq - 1 ? 102
                                      : (int32_t)(1000 + bench_lowbias32((uint32_t)(b * seq + s)) % 29000);
    char gemm_buf[32];
    const char *gemm_env = getenv(MDL_GEMM_ENV);
    if (gemm_env) gemm_env = strncpy(gemm_buf, gemm_env, sizeof gemm_buf - 1);
    gemm_buf[sizeof gemm_buf - 1] = '\0';
    int rc = 0, rounds = nruns > 1 ? BT_ROUNDS : 1;
    for (int round = 0; round < rounds && !rc; round++)
        for (int i = 0; i < nruns && !rc; i++)
            rc = bt_round(m, &runs[i], ids, batch, seq, out, seconds / rounds, round == 0,
                          gemm_env, &err);
    if (rc) {
        fprintf(stderr, "bench_text: %s\n", err.message);
    } else {
        for (int i = 0; i < nruns; i++) bt_report(m, &runs[i], batch, seq, nruns > 1);
        for (int i = 1; i < nruns; i++)
            printf("%s / %s: %.2fx wall (median), %.2fx CPU time\n", bt_name(&runs[i]),
                   bt_name(&runs[0]),
                   bench_median(runs[0].times, runs[0].n) / bench_median(runs[i].times, runs[i].n),
                   (runs[0].cpu_ms / (double)runs[0].n) / (runs[i].cpu_ms / (double)runs[i].n));
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        double text_bytes = 0;
        for (size_t i = 0; i < mdl_st_count(m->st); i++)
            if (strncmp(mdl_st_at(m->st, i)->name, "text_model.", 11) == 0)
                text_bytes += (double)mdl_st_at(m->st, i)->raw_size;
        printf("peak RSS %.0f MB; text tower weights %.0f MB (%.2fx); integer weights now %.0f MB, "
               "packed fp32 weights %.0f MB\n",
               ru.ru_maxrss / 1024.0, text_bytes / 1048576.0, ru.ru_maxrss * 1024.0 / text_bytes,
               mdl_model_qbytes(m) / 1048576.0, mdl_model_pbytes(m) / 1048576.0);
    }
    free(ids);
    free(out);
    mdl_model_close(m);
    return rc ? 1 : 0;
}
