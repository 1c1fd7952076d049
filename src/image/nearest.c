/*
 * nearest.c — Pillow's NEAREST resize (libImaging/Geometry.c ImagingScaleAffine), used for P
 * and 1 images. Source positions come from a running double sum (xo += a0), not from
 * x0 + (x + 0.5) * a0: the accumulated rounding is what Pillow's output depends on.
 */
#include "image/resample.h"

#include <stdlib.h>
#include <string.h>

/* Pillow's COORD(): -1 for negative positions, else truncation. */
static int nearest_coord(double v) { return v < 0.0 ? -1 : (int)v; }

cdx_image *img_nearest(const cdx_image *src, int out_w, int out_h, const float box[4]) {
    if (out_w < 1 || out_h < 1) return NULL;
    const double a0 = (double)(box[2] - box[0]) / out_w;
    const double a4 = (double)(box[3] - box[1]) / out_h;
    cdx_image *out = img_new(out_w, out_h, src->mode);
    int *xin = calloc((size_t)out_w, sizeof *xin);
    if (!out || !xin) {
        free(xin);
        cdx_image_free(out);
        return NULL;
    }
    const size_t bpp = (size_t)img_mode_bytes(src->mode);
    int xmin = out_w, xmax = 0;
    double xo = box[0] + a0 * 0.5;
    for (int x = 0; x < out_w; x++) {
        int xi = nearest_coord(xo);
        if (xi >= 0 && xi < src->width) {
            xmax = x + 1;
            if (x < xmin) xmin = x;
            xin[x] = xi;
        }
        xo += a0;
    }
    double yo = box[1] + a4 * 0.5;
    for (int y = 0; y < out_h; y++) {
        int yi = nearest_coord(yo);
        uint8_t *dst = out->pixels + (size_t)y * out->stride; /* img_new zero-fills */
        if (yi >= 0 && yi < src->height) {
            const uint8_t *row = src->pixels + (size_t)yi * src->stride;
            for (int x = xmin; x < xmax; x++)
                memcpy(dst + (size_t)x * bpp, row + (size_t)xin[x] * bpp, bpp);
        }
        yo += a4;
    }
    free(xin);
    if (img_copy_meta(out, src) != 0) {
        cdx_image_free(out);
        return NULL;
    }
    return out;
}
