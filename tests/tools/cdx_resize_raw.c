/*
 * cdx_resize_raw.c — test tool: applies clipdex's resampling steps to raw pixels so that
 * tests/image/test_resample_vs_pillow.py can compare them with Pillow byte for byte.
 *   cdx_resize_raw MODE W H IN.raw OUT.raw resize TW TH FILTER GAP [X0 Y0 X1 Y1]
 *   cdx_resize_raw MODE W H IN.raw OUT.raw reduce FX FY X0 Y0 X1 Y1
 *   cdx_resize_raw MODE W H IN.raw OUT.raw thumb SIZE
 * Raw pixels are rows without padding (mode I: native int32). Prints "W H" of the result.
 * Mode P reads its palette (RGB triples) from IN.raw.pal when present. With CDX_PNG_OUT set in
 * the environment, the result is also written there with cdx_png_encode (level -1).
 */
#include "image/image.h"
#include "image/resample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_mode(const char *s, cdx_mode *m) {
    static const struct { const char *name; cdx_mode mode; } modes[] = {
        {"1", CDX_MODE_1},     {"L", CDX_MODE_L},       {"LA", CDX_MODE_LA},
        {"P", CDX_MODE_P},     {"RGB", CDX_MODE_RGB},   {"RGBA", CDX_MODE_RGBA},
        {"CMYK", CDX_MODE_CMYK}, {"I", CDX_MODE_I}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(s, modes[i].name) == 0) return *m = modes[i].mode, 0;
    return -1;
}

static cdx_image *read_raw(const char *path, cdx_mode mode, int w, int h) {
    cdx_image *img = img_new(w, h, mode);
    FILE *f = fopen(path, "rb");
    if (!img || !f) {
        if (f) fclose(f);
        cdx_image_free(img);
        return NULL;
    }
    const size_t row = (size_t)w * (size_t)img_mode_bytes(mode);
    for (int y = 0; y < h; y++)
        if (fread(img->pixels + (size_t)y * img->stride, 1, row, f) != row) {
            fclose(f);
            cdx_image_free(img);
            return NULL;
        }
    fclose(f);
    if (mode == CDX_MODE_P) {
        char pal_path[4096];
        snprintf(pal_path, sizeof pal_path, "%s.pal", path);
        FILE *pf = fopen(pal_path, "rb");
        if (pf) {
            img->palette_count = (int)(fread(img->palette, 1, sizeof img->palette, pf) / 3);
            fclose(pf);
        } else {
            img->palette_count = 256;
            for (int i = 0; i < 256 * 3; i++) img->palette[i] = (uint8_t)(i / 3);
        }
    }
    return img;
}

static int write_raw(const char *path, const cdx_image *img) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    const size_t row = (size_t)img->width * (size_t)img_mode_bytes(img->mode);
    for (int y = 0; y < img->height; y++)
        fwrite(img->pixels + (size_t)y * img->stride, 1, row, f);
    return fclose(f);
}

static int run_op(const cdx_image *img, int argc, char **argv, cdx_image **out, cdx_error *err) {
    const char *op = argv[0];
    if (strcmp(op, "resize") == 0 && (argc == 5 || argc == 9)) {
        double box[4];
        for (int i = 0; i < 4 && argc == 9; i++) box[i] = strtod(argv[5 + i], NULL);
        return img_resize(img, atoi(argv[1]), atoi(argv[2]), (img_filter)atoi(argv[3]),
                          argc == 9 ? box : NULL, strtod(argv[4], NULL), out, err);
    }
    if (strcmp(op, "reduce") == 0 && argc == 7) {
        int box[4];
        for (int i = 0; i < 4; i++) box[i] = atoi(argv[3 + i]);
        *out = img_reduce(img, atoi(argv[1]), atoi(argv[2]), box);
        return *out ? 0 : cdx_fail(err, CDX_EINVAL, "reduce failed");
    }
    if (strcmp(op, "thumb") == 0 && argc == 2) {
        int tw, th;
        cdx_thumbnail_size(img->width, img->height, atoi(argv[1]), &tw, &th);
        if (tw == img->width && th == img->height) {
            *out = img_clone(img);
            return *out ? 0 : CDX_ENOMEM;
        }
        return img_resize(img, tw, th, IMG_LANCZOS, NULL, 2.0, out, err);
    }
    return cdx_fail(err, CDX_EINVAL, "bad operation arguments");
}

int main(int argc, char **argv) {
    cdx_mode mode;
    if (argc < 7 || parse_mode(argv[1], &mode) != 0) {
        fprintf(stderr, "usage: cdx_resize_raw MODE W H IN OUT OP ARGS...\n");
        return 2;
    }
    cdx_image *img = read_raw(argv[4], mode, atoi(argv[2]), atoi(argv[3]));
    if (!img) {
        fprintf(stderr, "cannot read %s\n", argv[4]);
        return 1;
    }
    cdx_image *out = NULL;
    cdx_error err = {0};
    int rc = run_op(img, argc - 6, argv + 6, &out, &err);
    cdx_image_free(img);
    if (rc != 0) {
        fprintf(stderr, "error: %s\n", err.message);
        return 1;
    }
    printf("%d %d\n", out->width, out->height);
    rc = write_raw(argv[5], out);
    const char *png_out = getenv("CDX_PNG_OUT");
    if (rc == 0 && png_out) {
        uint8_t *png;
        size_t len;
        rc = cdx_png_encode(out, -1, &png, &len, &err);
        FILE *f = rc == 0 ? fopen(png_out, "wb") : NULL;
        if (f) {
            fwrite(png, 1, len, f);
            rc = fclose(f);
        }
        if (rc == 0) free(png);
    }
    cdx_image_free(out);
    return rc == 0 ? 0 : 1;
}
