/*
 * premultiply.c — Pillow's RGBA <-> RGBa and LA <-> La conversions (libImaging/Convert.c
 * rgbA2rgba / rgba2rgbA and friends), which Image.resize wraps around every non-NEAREST
 * resize of an image with alpha. The alpha channel is the last byte of each pixel.
 */
#include "image/resample.h"

/* Pillow's MULDIV255: a * b / 255 rounded, without a division. */
static inline uint8_t muldiv255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return (uint8_t)(((t >> 8) + t) >> 8);
}

static int alpha_channels(cdx_mode mode) {
    return mode == CDX_MODE_RGBA ? 4 : mode == CDX_MODE_LA ? 2 : 0;
}

void img_premultiply(cdx_image *img) {
    const int ch = alpha_channels(img->mode);
    if (!ch) return;
    for (int y = 0; y < img->height; y++) {
        uint8_t *p = img->pixels + (size_t)y * img->stride;
        for (int x = 0; x < img->width; x++, p += ch) {
            const unsigned a = p[ch - 1];
            for (int b = 0; b < ch - 1; b++) p[b] = muldiv255(p[b], a);
        }
    }
}

void img_unpremultiply(cdx_image *img) {
    const int ch = alpha_channels(img->mode);
    if (!ch) return;
    for (int y = 0; y < img->height; y++) {
        uint8_t *p = img->pixels + (size_t)y * img->stride;
        for (int x = 0; x < img->width; x++, p += ch) {
            const unsigned a = p[ch - 1];
            if (a == 0 || a == 255) continue;
            for (int b = 0; b < ch - 1; b++) {
                unsigned v = (255u * p[b]) / a;
                p[b] = (uint8_t)(v > 255 ? 255 : v);
            }
        }
    }
}
