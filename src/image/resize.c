/*
 * resize.c — Pillow 9.4's Image.resize() decision logic (src/PIL/Image.py resize and
 * _get_safe_box, src/_imaging.c _resize): NEAREST for P and 1, premultiplied alpha without the
 * reduce step for RGBA/LA, the reducing_gap box pre-reduction, the integer-box crop shortcut.
 * The Python side computes in double; the C side receives the box as float.
 */
#include "image/resample.h"

#include <math.h>
#include <string.h>

cdx_image *img_crop(const cdx_image *src, int x0, int y0, int w, int h) {
    if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 > src->width - w || y0 > src->height - h)
        return NULL;
    cdx_image *out = img_new(w, h, src->mode);
    if (!out) return NULL;
    const size_t bpp = (size_t)img_mode_bytes(src->mode);
    for (int y = 0; y < h; y++)
        memcpy(out->pixels + (size_t)y * out->stride,
               src->pixels + (size_t)(y0 + y) * src->stride + (size_t)x0 * bpp, (size_t)w * bpp);
    if (img_copy_meta(out, src) != 0) {
        cdx_image_free(out);
        return NULL;
    }
    return out;
}

static int filter_valid(img_filter f) {
    return f == IMG_NEAREST || f == IMG_BOX || f == IMG_BILINEAR || f == IMG_HAMMING ||
           f == IMG_BICUBIC || f == IMG_LANCZOS;
}

/* Image._get_safe_box's filter support table. */
static double filter_support(img_filter f) {
    switch (f) {
    case IMG_BOX: return 0.5;
    case IMG_BILINEAR:
    case IMG_HAMMING: return 1.0;
    case IMG_BICUBIC: return 2.0;
    default: return 3.0;
    }
}

/* _imaging.c _resize: box checks, crop shortcut, NEAREST affine scale or ImagingResample. */
static int resize_core(const cdx_image *src, int w, int h, img_filter filter, const float box[4],
                       cdx_image **out, cdx_error *err) {
    if (box[0] < 0 || box[1] < 0)
        return cdx_fail(err, CDX_EINVAL, "resize: box offset can't be negative");
    if (box[2] > src->width || box[3] > src->height)
        return cdx_fail(err, CDX_EINVAL, "resize: box can't exceed original image size");
    if (box[2] - box[0] < 0 || box[3] - box[1] < 0)
        return cdx_fail(err, CDX_EINVAL, "resize: box can't be empty");
    cdx_image *r;
    if (box[0] - (int)box[0] == 0 && box[2] - box[0] == w && box[1] - (int)box[1] == 0 &&
        box[3] - box[1] == h)
        r = img_crop(src, (int)box[0], (int)box[1], w, h);
    else if (filter == IMG_NEAREST)
        r = img_nearest(src, w, h, box);
    else
        r = img_resample(src, w, h, filter, box);
    if (!r) return cdx_fail(err, CDX_ENOMEM, "resize: out of memory (%dx%d)", w, h);
    *out = r;
    return CDX_OK;
}

static void box_to_float(const double in[4], float out[4]) {
    for (int i = 0; i < 4; i++) out[i] = (float)in[i];
}

/* The reducing_gap step: reduce() by whole factors first, then resize the remaining box. */
static int resize_with_gap(const cdx_image *src, int w, int h, img_filter filter,
                           const double box_in[4], double gap, cdx_image **out, cdx_error *err) {
    double box[4] = {box_in[0], box_in[1], box_in[2], box_in[3]};
    int fx = (int)((box[2] - box[0]) / w / gap), fy = (int)((box[3] - box[1]) / h / gap);
    if (fx < 1) fx = 1;
    if (fy < 1) fy = 1;
    float fbox[4];
    if (fx == 1 && fy == 1) {
        box_to_float(box, fbox);
        return resize_core(src, w, h, filter, fbox, out, err);
    }
    const double support = filter_support(filter) - 0.5;
    const double sx = support * ((box[2] - box[0]) / w), sy = support * ((box[3] - box[1]) / h);
    int rb[4] = {(int)(box[0] - sx), (int)(box[1] - sy), (int)ceil(box[2] + sx),
                 (int)ceil(box[3] + sy)};
    if (rb[0] < 0) rb[0] = 0;
    if (rb[1] < 0) rb[1] = 0;
    if (rb[2] > src->width) rb[2] = src->width;
    if (rb[3] > src->height) rb[3] = src->height;
    cdx_image *reduced = img_reduce(src, fx, fy, rb);
    if (!reduced) return cdx_fail(err, CDX_ENOMEM, "resize: reduce by %dx%d failed", fx, fy);
    const double nb[4] = {(box[0] - rb[0]) / fx, (box[1] - rb[1]) / fy, (box[2] - rb[0]) / fx,
                          (box[3] - rb[1]) / fy};
    box_to_float(nb, fbox);
    int rc = resize_core(reduced, w, h, filter, fbox, out, err);
    cdx_image_free(reduced);
    return rc;
}

int img_resize(const cdx_image *src, int out_w, int out_h, img_filter filter, const double box_in[4],
               double reducing_gap, cdx_image **out, cdx_error *err) {
    *out = NULL;
    if (out_w < 1 || out_h < 1)
        return cdx_fail(err, CDX_EINVAL, "resize: height and width must be > 0 (%dx%d)", out_w,
                        out_h);
    if (!filter_valid(filter)) return cdx_fail(err, CDX_EINVAL, "resize: unknown filter %d", filter);
    if (reducing_gap > 0 && reducing_gap < 1.0)
        return cdx_fail(err, CDX_EINVAL, "resize: reducing_gap must be 1.0 or greater");
    double box[4] = {0, 0, src->width, src->height};
    if (box_in) memcpy(box, box_in, sizeof box);
    if (out_w == src->width && out_h == src->height && box[0] == 0 && box[1] == 0 &&
        box[2] == src->width && box[3] == src->height) {
        *out = img_clone(src);
        return *out ? CDX_OK : cdx_fail(err, CDX_ENOMEM, "resize: out of memory");
    }
    if (src->mode == CDX_MODE_P || src->mode == CDX_MODE_1) filter = IMG_NEAREST;
    if ((src->mode == CDX_MODE_RGBA || src->mode == CDX_MODE_LA) && filter != IMG_NEAREST) {
        /* convert("RGBa"), resize without reducing_gap, convert back. */
        cdx_image *pre = img_clone(src);
        if (!pre) return cdx_fail(err, CDX_ENOMEM, "resize: out of memory");
        img_premultiply(pre);
        float fbox[4];
        box_to_float(box, fbox);
        int rc = resize_core(pre, out_w, out_h, filter, fbox, out, err);
        cdx_image_free(pre);
        if (rc == CDX_OK) img_unpremultiply(*out);
        return rc;
    }
    if (reducing_gap > 0 && filter != IMG_NEAREST)
        return resize_with_gap(src, out_w, out_h, filter, box, reducing_gap, out, err);
    float fbox[4];
    box_to_float(box, fbox);
    return resize_core(src, out_w, out_h, filter, fbox, out, err);
}
