/*
 * convert.c — Pillow's convert("RGB") (src/libImaging/Convert.c) from every mode we decode:
 * L replicate, LA/RGBA drop alpha, P palette lookup (transparency ignored), I clamp 0..255,
 * 1 → 0/255, CMYK naive: nk = 255 - K, R = clip8(nk - MULDIV255(C, nk)). A colour key follows
 * the pixels as Pillow's convert carries info["transparency"]; the ICC profile is kept.
 */
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

static inline int muldiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

static inline uint8_t clip8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

static void convert_row(const cdx_image *src, const uint8_t *in, uint8_t *out) {
    int w = src->width;
    for (int x = 0; x < w; x++, out += 3) {
        switch (src->mode) {
        case CDX_MODE_1:
        case CDX_MODE_L: out[0] = out[1] = out[2] = in[x]; break;
        case CDX_MODE_LA: out[0] = out[1] = out[2] = in[2 * x]; break;
        case CDX_MODE_P: memcpy(out, src->palette + 3 * in[x], 3); break;
        case CDX_MODE_RGB: memcpy(out, in + 3 * x, 3); break;
        case CDX_MODE_RGBA: memcpy(out, in + 4 * x, 3); break;
        case CDX_MODE_I: {
            int32_t v;
            memcpy(&v, in + 4 * x, 4);
            out[0] = out[1] = out[2] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            break;
        }
        case CDX_MODE_CMYK: {
            const uint8_t *p = in + 4 * x;
            int nk = 255 - p[3];
            out[0] = clip8(nk - muldiv255(p[0], nk));
            out[1] = clip8(nk - muldiv255(p[1], nk));
            out[2] = clip8(nk - muldiv255(p[2], nk));
            break;
        }
        }
    }
}

/* Pillow converts the transparency colour through a 1x1 image of the source mode. */
static void convert_key(const cdx_image *src, cdx_image *dst) {
    if (src->mode == CDX_MODE_P && src->palette_alpha_count > 0) {
        int t = -1, zeros = 0;
        for (int i = 0; i < src->palette_alpha_count; i++)
            if (src->palette_alpha[i] == 0) { t = i; zeros++; }
            else if (src->palette_alpha[i] != 0xFF) return; /* bytes transparency: dropped */
        if (zeros != 1) return;
        dst->has_transparent_key = 1;
        for (int c = 0; c < 3; c++) dst->transparent_key[c] = src->palette[3 * t + c];
        return;
    }
    if (!src->has_transparent_key) return;
    dst->has_transparent_key = 1;
    if (src->mode == CDX_MODE_RGB) {
        memcpy(dst->transparent_key, src->transparent_key, sizeof dst->transparent_key);
    } else {
        uint16_t k = src->transparent_key[0];
        if (src->mode == CDX_MODE_1 && k) k = 255;
        if (k > 255) k = 255;
        dst->transparent_key[0] = dst->transparent_key[1] = dst->transparent_key[2] = k;
    }
}

cdx_image *img_convert_rgb(const cdx_image *src) {
    cdx_image *dst = img_new(src->width, src->height, CDX_MODE_RGB);
    if (!dst) return NULL;
    for (int y = 0; y < src->height; y++)
        convert_row(src, src->pixels + (size_t)y * src->stride, dst->pixels + (size_t)y * dst->stride);
    convert_key(src, dst);
    if (src->icc && src->icc_len) {
        dst->icc = malloc(src->icc_len);
        if (!dst->icc) {
            cdx_image_free(dst);
            return NULL;
        }
        memcpy(dst->icc, src->icc, src->icc_len);
        dst->icc_len = src->icc_len;
    }
    return dst;
}
