/*
 * bench_thumb.c — throughput of the Jina API path: in-memory file bytes → decode → thumbnail
 * (224, LANCZOS) → PNG → base64, on one thread and on T threads (each thread runs the whole
 * pipeline on its own image, as the indexer does). Prints one "RESULT<TAB>file<TAB>threads<TAB>
 * img/s<TAB>img per CPU-second" line per measurement for bench/run.sh. With --steps, times each
 * step separately.
 */
#include "clipdex.h"
#include "image/image.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Defaults (EXIF applied, default pixel limit), as `clipdex thumb` runs. */
static const cdx_image_opts bench_opts = {0};
/* PNG zlib level: clipdex's default for the API path; --level 6 gives Pillow's exact bytes. */
static int bench_level = CDX_PNG_LEVEL_FAST;

typedef struct bench_input {
    const char *name;
    uint8_t *data;
    size_t len;
} bench_input;

typedef struct bench_worker {
    const bench_input *input;
    double min_seconds;
    pthread_barrier_t *start;
    long count;
    double elapsed;
    double cpu; /* this thread's CPU seconds over the same span */
    int failed;
} bench_worker;

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double bench_thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_read(const char *path, bench_input *in) {
    cdx_error err = {0};
    in->name = path;
    if (img_read_file(path, &in->data, &in->len, &err) != CDX_OK) {
        fprintf(stderr, "bench_thumb: %s\n", err.message);
        return -1;
    }
    return 0;
}

/* The whole pipeline once; returns 0 on success. */
static int bench_pipeline_once(const bench_input *in) {
    cdx_error err = {0};
    cdx_image *thumb = NULL;
    if (cdx_thumbnail_mem(in->data, in->len, in->name, 224, &bench_opts, &thumb, &err) != CDX_OK) {
        fprintf(stderr, "bench_thumb: %s\n", err.message);
        return -1;
    }
    uint8_t *png = NULL;
    size_t png_len = 0;
    int rc = cdx_png_encode(thumb, bench_level, &png, &png_len, &err);
    cdx_image_free(thumb);
    if (rc != CDX_OK) {
        fprintf(stderr, "bench_thumb: %s: %s\n", in->name, err.message);
        return -1;
    }
    char *b64 = cdx_base64_encode(png, png_len, NULL);
    free(png);
    if (!b64) return -1;
    free(b64);
    return 0;
}

static void *bench_worker_run(void *arg) {
    bench_worker *w = arg;
    pthread_barrier_wait(w->start);
    double t0 = bench_now(), c0 = bench_thread_cpu();
    do {
        if (bench_pipeline_once(w->input)) {
            w->failed = 1;
            break;
        }
        w->count++;
        w->elapsed = bench_now() - t0;
    } while (w->elapsed < w->min_seconds);
    w->cpu = bench_thread_cpu() - c0;
    return NULL;
}

/* Images per second with `threads` threads, each running the pipeline for min_seconds. */
static int bench_throughput(const bench_input *in, int threads, double min_seconds, double *rate,
                            double *cpu_rate) {
    bench_worker *workers = calloc((size_t)threads, sizeof *workers);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    pthread_barrier_t start;
    if (!workers || !ids || pthread_barrier_init(&start, NULL, (unsigned)threads)) {
        free(workers);
        free(ids);
        return -1;
    }
    int failed = 0, started = 0;
    for (int t = 0; t < threads; t++) {
        workers[t] = (bench_worker){in, min_seconds, &start, 0, 0.0, 0.0, 0};
        if (pthread_create(&ids[t], NULL, bench_worker_run, &workers[t])) {
            fprintf(stderr, "bench_thumb: cannot start thread %d\n", t);
            abort(); /* the others wait on the barrier forever: give up loudly */
        }
        started++;
    }
    long total = 0;
    double longest = 0.0, cpu = 0.0;
    for (int t = 0; t < started; t++) {
        pthread_join(ids[t], NULL);
        failed |= workers[t].failed;
        total += workers[t].count;
        if (workers[t].elapsed > longest) longest = workers[t].elapsed;
        cpu += workers[t].cpu;
    }
    pthread_barrier_destroy(&start);
    free(workers);
    free(ids);
    *rate = longest > 0 ? (double)total / longest : 0.0;
    *cpu_rate = cpu > 0 ? (double)total / cpu : 0.0;
    return failed ? -1 : 0;
}

static int bench_compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The JPEG DCT scale Pillow 9.4's thumbnail() asks draft() for (JpegImagePlugin.draft). */
static int bench_draft_scale(const img_header *hdr) {
    if (hdr->format != CDX_FORMAT_JPEG) return 1;
    int tw, th;
    cdx_thumbnail_size(hdr->width, hdr->height, 224, &tw, &th);
    if (tw == hdr->width && th == hdr->height) return 1;
    int sx = hdr->width / (tw * 2), sy = hdr->height / (th * 2);
    int scale = sx < sy ? sx : sy;
    return scale >= 8 ? 8 : scale >= 4 ? 4 : scale >= 2 ? 2 : 1;
}

#define BENCH_STEP_RUNS 15

/* Median milliseconds of each step: decode (at the draft scale), decode + resample, PNG, base64. */
static int bench_steps(const bench_input *in) {
    cdx_error err = {0};
    img_header hdr;
    if (img_read_header(in->data, in->len, in->name, &hdr, &err) != CDX_OK) {
        fprintf(stderr, "bench_thumb: %s\n", err.message);
        return -1;
    }
    int scale = bench_draft_scale(&hdr);
    double t_dec[BENCH_STEP_RUNS], t_thumb[BENCH_STEP_RUNS], t_png[BENCH_STEP_RUNS],
        t_b64[BENCH_STEP_RUNS];
    size_t png_bytes = 0;
    for (int r = 0; r < BENCH_STEP_RUNS; r++) {
        cdx_image *img = NULL, *thumb = NULL;
        double t0 = bench_now();
        if (img_decode(in->data, in->len, in->name, scale, CDX_DEFAULT_MAX_PIXELS, &img, &err))
            goto fail;
        double t1 = bench_now();
        cdx_image_free(img);
        double t2 = bench_now();
        if (cdx_thumbnail_mem(in->data, in->len, in->name, 224, &bench_opts, &thumb, &err))
            goto fail;
        double t3 = bench_now();
        uint8_t *png = NULL;
        if (cdx_png_encode(thumb, bench_level, &png, &png_bytes, &err)) {
            cdx_image_free(thumb);
            goto fail;
        }
        double t4 = bench_now();
        char *b64 = cdx_base64_encode(png, png_bytes, NULL);
        double t5 = bench_now();
        free(b64);
        free(png);
        cdx_image_free(thumb);
        t_dec[r] = (t1 - t0) * 1e3;
        t_thumb[r] = (t3 - t2) * 1e3;
        t_png[r] = (t4 - t3) * 1e3;
        t_b64[r] = (t5 - t4) * 1e3;
    }
    qsort(t_dec, BENCH_STEP_RUNS, sizeof(double), bench_compare_doubles);
    qsort(t_thumb, BENCH_STEP_RUNS, sizeof(double), bench_compare_doubles);
    qsort(t_png, BENCH_STEP_RUNS, sizeof(double), bench_compare_doubles);
    qsort(t_b64, BENCH_STEP_RUNS, sizeof(double), bench_compare_doubles);
    int m = BENCH_STEP_RUNS / 2;
    printf("STEPS\t%s\tdecode 1/%d %.2f ms\tresample %.2f ms\tpng %.2f ms (%zu B)\tbase64 %.2f ms\t"
           "total %.2f ms\n",
           in->name, scale, t_dec[m], t_thumb[m] - t_dec[m], t_png[m], png_bytes, t_b64[m],
           t_thumb[m] + t_png[m] + t_b64[m]);
    return 0;
fail:
    fprintf(stderr, "bench_thumb: %s\n", err.message);
    return -1;
}

static int bench_usage(void) {
    fprintf(stderr, "usage: bench_thumb [--threads T] [--seconds S] [--level 0-9] [--steps] FILE...\n");
    return 2;
}

int main(int argc, char **argv) {
    int threads = 1, steps = 0;
    double seconds = 2.0;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--threads") && first + 1 < argc)
            threads = atoi(argv[++first]);
        else if (!strcmp(argv[first], "--level") && first + 1 < argc)
            bench_level = atoi(argv[++first]);
        else if (!strcmp(argv[first], "--seconds") && first + 1 < argc)
            seconds = atof(argv[++first]);
        else if (!strcmp(argv[first], "--steps"))
            steps = 1;
        else
            return bench_usage();
    }
    if (first == argc || threads < 1 || threads > 1024 || !(seconds > 0) || bench_level < -1 ||
        bench_level > 9)
        return bench_usage();
    int rc = 0;
    for (int i = first; i < argc && !rc; i++) {
        bench_input in;
        if (bench_read(argv[i], &in)) return 1;
        double rate = 0, cpu_rate = 0;
        rc = bench_pipeline_once(&in) != 0; /* warm-up: page in code and data */
        if (!rc && steps) rc = bench_steps(&in) != 0;
        if (!rc && !steps) {
            rc = bench_throughput(&in, threads, seconds, &rate, &cpu_rate) != 0;
            if (!rc) printf("RESULT\t%s\t%d\t%.2f\t%.2f\n", in.name, threads, rate, cpu_rate);
        }
        fflush(stdout);
        free(in.data);
    }
    return rc;
}
