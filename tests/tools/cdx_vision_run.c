/*
 * cdx_vision_run.c — test tool: runs the vision tower of a model directory (config.json +
 * model.safetensors) on raw pixel tensors or on image files, and writes what the reference
 * comparison (tests/model/test_vision_vs_reference.py) needs as raw little-endian float32 files
 * in OUT_DIR: every traced intermediate (<name>.f32), image_embeds.f32 (traced run, pooled),
 * image_embeds_normalized.f32 (the untraced batch path), single.f32 (each image alone).
 *   cdx_vision_run MODEL_DIR OUT_DIR [--threads T] pixels PIXELS.f32 N
 *   cdx_vision_run MODEL_DIR OUT_DIR [--threads T] images FILE...   (also writes pixel_values.f32)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/preprocess.h"
#include "model/vision.h"

static const char *g_out_dir;

static int write_f32(const char *name, const float *data, size_t count) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.f32", g_out_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t put = fwrite(data, sizeof *data, count, f);
    return fclose(f) == 0 && put == count ? 0 : -1;
}

static void trace_fn(void *ctx, const char *name, const float *data, size_t rows, size_t cols) {
    (void)ctx;
    if (write_f32(name, data, rows * cols) != 0) fprintf(stderr, "cannot write %s\n", name);
}

static float *read_pixels(const char *path, size_t count) {
    float *p = malloc(count * sizeof *p);
    FILE *f = fopen(path, "rb");
    if (!p || !f || fread(p, sizeof *p, count, f) != count) {
        if (f) fclose(f);
        free(p);
        return NULL;
    }
    fclose(f);
    return p;
}

static int fail(const char *what, const cdx_error *err) {
    fprintf(stderr, "%s: %s\n", what, err ? err->message : "failed");
    return 1;
}

static int run(mdl_model *m, const float *px, size_t n) {
    const mdl_vision_config *c = &m->config.vision;
    const size_t W = (size_t)c->width, S = (size_t)c->image_size;
    float *out = malloc(n * W * sizeof *out);
    if (!out) return 1;
    cdx_error err = {0};
    int rc = 1;
    if (mdl_vision_forward(m, px, n, out, trace_fn, NULL, &err) != CDX_OK) goto done;
    if (write_f32("image_embeds", out, n * W) != 0) goto done;
    if (mdl_vision_embed(m, px, n, out, &err) != CDX_OK) goto done;
    if (write_f32("image_embeds_normalized", out, n * W) != 0) goto done;
    for (size_t i = 0; i < n; i++)
        if (mdl_vision_embed(m, px + i * 3 * S * S, 1, out + i * W, &err) != CDX_OK) goto done;
    rc = write_f32("single", out, n * W);
done:
    if (rc) fail("vision", &err);
    free(out);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: cdx_vision_run MODEL_DIR OUT_DIR [--threads T] (pixels F N | images FILE...)\n");
        return 2;
    }
    g_out_dir = argv[2];
    int i = 3, threads = 2;
    if (strcmp(argv[i], "--threads") == 0 && i + 2 < argc) threads = atoi(argv[i + 1]), i += 2;
    cdx_error err = {0};
    mdl_model *m = NULL;
    if (mdl_model_open(argv[1], MDL_TOWER_VISION, threads, &m, &err) != CDX_OK)
        return fail("model", &err);
    float *px = NULL;
    int rc = 1;
    const size_t S = (size_t)m->config.vision.image_size, per = 3 * S * S;
    size_t n = 0;
    if (strcmp(argv[i], "pixels") == 0 && i + 2 < argc) {
        n = (size_t)atoi(argv[i + 2]);
        px = n ? read_pixels(argv[i + 1], n * per) : NULL;
        if (!px) {
            fprintf(stderr, "cannot read %zu images from %s\n", n, argv[i + 1]);
            goto done;
        }
    } else if (strcmp(argv[i], "images") == 0 && i + 1 < argc) {
        n = (size_t)(argc - i - 1);
        px = malloc(n * per * sizeof *px);
        if (!px) goto done;
        for (size_t k = 0; k < n; k++)
            if (mdl_preprocess_file(argv[i + 1 + (int)k], NULL, (int)S, px + k * per, &err) != CDX_OK) {
                fail("preprocess", &err);
                goto done;
            }
        if (write_f32("pixel_values", px, n * per) != 0) goto done;
    } else {
        fprintf(stderr, "unknown input kind %s\n", argv[i]);
        goto done;
    }
    rc = run(m, px, n);
done:
    free(px);
    mdl_model_close(m);
    return rc;
}
