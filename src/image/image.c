/*
 * image.c — the cdx_image object: allocation with checked size arithmetic, deep copies,
 * metadata copies, the public accessors and the mode/format names.
 */
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

int img_mode_bytes(cdx_mode mode) {
    switch (mode) {
    case CDX_MODE_1:
    case CDX_MODE_L:
    case CDX_MODE_P: return 1;
    case CDX_MODE_LA: return 2;
    case CDX_MODE_RGB: return 3;
    case CDX_MODE_RGBA:
    case CDX_MODE_CMYK:
    case CDX_MODE_I: return 4;
    }
    return 0;
}

cdx_image *img_new(int width, int height, cdx_mode mode) {
    int bpp = img_mode_bytes(mode);
    if (width <= 0 || height <= 0 || bpp == 0) return NULL;
    size_t w = (size_t)width, h = (size_t)height;
    if (w > SIZE_MAX / (size_t)bpp) return NULL;
    size_t stride = w * (size_t)bpp;
    if (h > SIZE_MAX / stride) return NULL;
    cdx_image *img = calloc(1, sizeof *img);
    if (!img) return NULL;
    img->pixels = calloc(h, stride);
    if (!img->pixels) {
        free(img);
        return NULL;
    }
    img->width = width;
    img->height = height;
    img->mode = mode;
    img->stride = stride;
    return img;
}

int img_copy_meta(cdx_image *dst, const cdx_image *src) {
    memcpy(dst->palette, src->palette, sizeof dst->palette);
    dst->palette_count = src->palette_count;
    memcpy(dst->palette_alpha, src->palette_alpha, sizeof dst->palette_alpha);
    dst->palette_alpha_count = src->palette_alpha_count;
    dst->has_transparent_key = src->has_transparent_key;
    memcpy(dst->transparent_key, src->transparent_key, sizeof dst->transparent_key);
    free(dst->icc);
    dst->icc = NULL;
    dst->icc_len = 0;
    if (src->icc && src->icc_len) {
        dst->icc = malloc(src->icc_len);
        if (!dst->icc) return CDX_ENOMEM;
        memcpy(dst->icc, src->icc, src->icc_len);
        dst->icc_len = src->icc_len;
    }
    return CDX_OK;
}

cdx_image *img_clone(const cdx_image *src) {
    cdx_image *img = img_new(src->width, src->height, src->mode);
    if (!img) return NULL;
    for (int y = 0; y < src->height; y++)
        memcpy(img->pixels + (size_t)y * img->stride, src->pixels + (size_t)y * src->stride,
               img->stride);
    if (img_copy_meta(img, src) != CDX_OK) {
        cdx_image_free(img);
        return NULL;
    }
    return img;
}

void cdx_image_free(cdx_image *img) {
    if (!img) return;
    free(img->pixels);
    free(img->icc);
    free(img);
}

int cdx_image_width(const cdx_image *img) { return img->width; }
int cdx_image_height(const cdx_image *img) { return img->height; }
cdx_mode cdx_image_mode(const cdx_image *img) { return img->mode; }
size_t cdx_image_stride(const cdx_image *img) { return img->stride; }
const uint8_t *cdx_image_pixels(const cdx_image *img) { return img->pixels; }

const uint8_t *cdx_image_palette(const cdx_image *img, int *count) {
    if (img->mode != CDX_MODE_P) {
        if (count) *count = 0;
        return NULL;
    }
    if (count) *count = img->palette_count;
    return img->palette;
}

const char *cdx_mode_name(cdx_mode mode) {
    switch (mode) {
    case CDX_MODE_1: return "1";
    case CDX_MODE_L: return "L";
    case CDX_MODE_LA: return "LA";
    case CDX_MODE_P: return "P";
    case CDX_MODE_RGB: return "RGB";
    case CDX_MODE_RGBA: return "RGBA";
    case CDX_MODE_CMYK: return "CMYK";
    case CDX_MODE_I: return "I";
    }
    return "?";
}

const char *cdx_format_name(cdx_format format) {
    switch (format) {
    case CDX_FORMAT_JPEG: return "JPEG";
    case CDX_FORMAT_PNG: return "PNG";
    case CDX_FORMAT_WEBP: return "WEBP";
    case CDX_FORMAT_GIF: return "GIF";
    case CDX_FORMAT_BMP: return "BMP";
    case CDX_FORMAT_UNKNOWN: break;
    }
    return "unknown";
}
