/*
 * bench_text.c — texts/s of the C text tower: batches of B random token sequences of S tokens
 * ([CLS] ids [SEP], ids in 1000..29999 as the reference's bench draws them) through
 * mdl_text_embed, median over repeats after warm-up. bench/text_bench.sh runs it beside the
 * PyTorch reference on the same full-size random weights.
 * Usage: bench_text MODEL_DIR [THREADS=2] [BATCH=8] [TOKENS=16] [SECONDS=5]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "model/text.h"

/* Process CPU time (all threads), ms: on a shared machine, work per CPU-second is steadier than
 * wall time. */
static double cpu_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL_DIR [THREADS] [BATCH] [TOKENS] [SECONDS]\n", argv[0]);
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
    int32_t *ids = malloc(batch * seq * sizeof *ids);
    float *out = malloc(batch * (size_t)m->config.text.hidden * sizeof *out);
    for (size_t b = 0; b < batch; b++)
        for (size_t s = 0; s < seq; s++)
            ids[b * seq + s] = s == 0 ? 101 : s == seq - 1 ? 102
                                      : (int32_t)(1000 + bench_lowbias32((uint32_t)(b * seq + s)) % 29000);
    double times[4096];
    size_t n = 0;
    int rc = 0;
    for (int w = 0; w < 2 && !rc; w++) rc = mdl_text_embed(m, ids, NULL, batch, seq, out, &err);
    double start = bench_now_ms(), cpu0 = cpu_now_ms();
    while (!rc && n < 4096 && (n < 3 || bench_now_ms() - start < seconds * 1e3)) {
        double t0 = bench_now_ms();
        rc = mdl_text_embed(m, ids, NULL, batch, seq, out, &err);
        times[n++] = bench_now_ms() - t0;
    }
    double cpu_s = (cpu_now_ms() - cpu0) / 1e3;
    if (rc) {
        fprintf(stderr, "bench_text: %s\n", err.message);
    } else {
        double med = bench_median(times, n);
        printf("clipdex text (%zu tokens) batch %zu, %d threads, kernels %s: %.1f ms/batch (median "
               "of %zu), %.1f texts/s\n",
               seq, batch, mdl_exec_threads(m->exec), m->k->name, med, n, batch / (med / 1e3));
        int th = mdl_exec_threads(m->exec);
        printf("CPU time %.1f ms/batch: %.1f texts per CPU-second x %d threads = %.1f texts/s if "
               "the %d CPUs were free\n", cpu_s * 1e3 / (double)n, batch * n / cpu_s, th,
               batch * n / cpu_s * th, th);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        double text_bytes = 0;
        for (size_t i = 0; i < mdl_st_count(m->st); i++)
            if (strncmp(mdl_st_at(m->st, i)->name, "text_model.", 11) == 0)
                text_bytes += (double)mdl_st_at(m->st, i)->raw_size;
        printf("peak RSS %.0f MB; text tower weights %.0f MB (%.2fx)\n", ru.ru_maxrss / 1024.0,
               text_bytes / 1048576.0, ru.ru_maxrss * 1024.0 / text_bytes);
    }
    free(ids);
    free(out);
    mdl_model_close(m);
    return rc ? 1 : 0;
}
