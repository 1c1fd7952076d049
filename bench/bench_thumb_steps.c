/*
 * bench_thumb_steps.c — times each step of the API path on one image file, single thread:
 * decode (at the JPEG draft scale thumbnail() picks), resize to the thumbnail, PNG encode at
 * every zlib level (-1 = Pillow's default 6 + its filter heuristic), base64. Prints the
 * minimum and median over N runs in milliseconds; the resize is also split into its reduce()
 * and LANCZOS steps. With CDX_BENCH_CPU=1 it times thread CPU time instead of wall-clock time
 * (steadier on a loaded machine).
 *   bench_thumb_steps FILE [RUNS]
 */
#include "image/image.h"
#include "image/resample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *step, double *t, int n, const char *extra) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("%-22s min %7.2f ms  median %7.2f ms  %s\n", step, t[0], t[n / 2], extra);
}

/* Prints the error and frees what main holds so far; returns main's failure status. */
static int steps_fail(const cdx_error *err, double *t, uint8_t *data, cdx_image *img) {
    fprintf(stderr, "%s\n", err->message);
    cdx_image_free(img);
    free(data);
    free(t);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_thumb_steps FILE [RUNS]\n");
        return 2;
    }
    const int runs = argc > 2 ? atoi(argv[2]) : 20;
    const char *cpu = getenv("CDX_BENCH_CPU");
    if (cpu && strcmp(cpu, "1") == 0) bench_clock = CLOCK_THREAD_CPUTIME_ID;
    if (runs < 1) {
        fprintf(stderr, "bench_thumb_steps: RUNS must be at least 1\n");
        return 2;
    }
    double *t = calloc((size_t)runs, sizeof *t);
    uint8_t *data = NULL;
    size_t len;
    cdx_error err = {0};
    img_header hdr;
    if (!t) {
        fprintf(stderr, "bench_thumb_steps: out of memory\n");
        return 1;
    }
    if (img_read_file(argv[1], &data, &len, &err) ||
        img_read_header(data, len, argv[1], &hdr, &err))
        return steps_fail(&err, t, data, NULL);
    int tw, th, scale = 1;
    cdx_thumbnail_size(hdr.width, hdr.height, 224, &tw, &th);
    if (hdr.format == CDX_FORMAT_JPEG) {
        const int s = hdr.width / (2 * tw) < hdr.height / (2 * th) ? hdr.width / (2 * tw)
                                                                   : hdr.height / (2 * th);
        scale = s >= 8 ? 8 : s >= 4 ? 4 : s >= 2 ? 2 : 1;
    }
    cdx_image *img = NULL, *thumb = NULL;
    char extra[128];
    int run = 0;
    do { /* runs >= 1, so img holds the last decode afterwards */
        double t0 = now_ms();
        if (img_decode(data, len, argv[1], scale, CDX_DEFAULT_MAX_PIXELS, &img, &err))
            return steps_fail(&err, t, data, NULL);
        t[run] = now_ms() - t0;
        if (run + 1 < runs) cdx_image_free(img);
    } while (++run < runs);
    snprintf(extra, sizeof extra, "%dx%d at 1/%d", img->width, img->height, scale);
    report("decode", t, runs, extra);
    const double box[4] = {0, 0, (double)hdr.width / scale, (double)hdr.height / scale};
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        if (img_resize(img, tw, th, IMG_LANCZOS, box, 2.0, &thumb, &err))
            return steps_fail(&err, t, data, img);
        t[i] = now_ms() - t0;
        if (i + 1 < runs) cdx_image_free(thumb);
    }
    snprintf(extra, sizeof extra, "-> %dx%d %s", tw, th, cdx_mode_name(thumb->mode));
    report("resize (reduce+LANCZOS)", t, runs, extra);
    /* The two steps on their own: reduce() by the reducing_gap factor over the whole image
     * (when it applies), then LANCZOS from that size. */
    const int fx = (int)(box[2] / tw / 2.0), fy = (int)(box[3] / th / 2.0);
    cdx_image *reduced = NULL;
    if (fx > 1 || fy > 1) {
        const int rbox[4] = {0, 0, img->width, img->height};
        for (int i = 0; i < runs; i++) {
            double t0 = now_ms();
            reduced = img_reduce(img, fx > 1 ? fx : 1, fy > 1 ? fy : 1, rbox);
            t[i] = now_ms() - t0;
            if (i + 1 < runs) cdx_image_free(reduced);
        }
        snprintf(extra, sizeof extra, "%dx%d by %dx%d", img->width, img->height, fx, fy);
        report("  reduce", t, runs, extra);
    }
    const cdx_image *lz_src = reduced ? reduced : img;
    const float lz_box[4] = {0, 0, (float)lz_src->width, (float)lz_src->height};
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        cdx_image *r = img_resample(lz_src, tw, th, IMG_LANCZOS, lz_box);
        t[i] = now_ms() - t0;
        cdx_image_free(r);
    }
    snprintf(extra, sizeof extra, "%dx%d -> %dx%d", lz_src->width, lz_src->height, tw, th);
    report("  LANCZOS", t, runs, extra);
    cdx_image_free(reduced);
    uint8_t *png = NULL;
    size_t png_len = 0;
    for (int level = -1; level <= 9; level++) {
        for (int i = 0; i < runs; i++) {
            free(png);
            double t0 = now_ms();
            cdx_png_encode(thumb, level, &png, &png_len, &err);
            t[i] = now_ms() - t0;
        }
        char step[32];
        snprintf(step, sizeof step, "png level %d", level);
        snprintf(extra, sizeof extra, "%zu bytes", png_len);
        report(step, t, runs, extra);
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        char *b64 = cdx_base64_encode(png, png_len, NULL);
        t[i] = now_ms() - t0;
        free(b64);
    }
    report("base64", t, runs, "");
    free(png);
    cdx_image_free(thumb);
    cdx_image_free(img);
    free(data);
    free(t);
    return 0;
}
