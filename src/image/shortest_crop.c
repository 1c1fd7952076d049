/*
 * shortest_crop.c — torchvision's Resize(size, BICUBIC) + CenterCrop(size) on a PIL image, as
 * jina-clip-v1's image transform runs them: the short side becomes `size`, the long side
 * int(size * long / short) (truncated), Pillow's BICUBIC resample, then a crop whose offsets are
 * Python's round-half-even of the margin / 2. Only the crop window is resampled (same bytes).
 */
#include "image/resample.h"

#include <limits.h>
#include <math.h>

/* torchvision _compute_resized_output_size for an int size: Python's int(size * long / short),
 * a correctly rounded double division (both operands are exact), then truncation. */
static int long_side(int size, int long_px, int short_px) {
    double d = (double)((int64_t)size * long_px) / (double)short_px;
    return d < (double)(INT_MAX / 4) ? (int)d : -1;
}

int img_resize_shortest_crop(const cdx_image *src, int size, cdx_image **out, cdx_error *err) {
    *out = NULL;
    if (size < 1 || src->width < 1 || src->height < 1)
        return cdx_fail(err, CDX_EINVAL, "resize-shortest: bad size %d for %dx%d", size,
                        src->width, src->height);
    if (src->mode != CDX_MODE_RGB && src->mode != CDX_MODE_L)
        return cdx_fail(err, CDX_EINVAL, "resize-shortest: mode %s (want RGB or L)",
                        cdx_mode_name(src->mode));
    const int w = src->width, h = src->height;
    const int nw = w <= h ? size : long_side(size, w, h);
    const int nh = w <= h ? long_side(size, h, w) : size;
    if (nw < 0 || nh < 0)
        return cdx_fail(err, CDX_ETOOLARGE, "resize-shortest: %dx%d is too elongated", w, h);
    /* CenterCrop: int(round((H - size) / 2.0)); nearbyint rounds half to even like Python. */
    const int win[4] = {(int)nearbyint((nw - size) / 2.0), (int)nearbyint((nh - size) / 2.0), size,
                        size};
    cdx_image *r;
    if (nw == w && nh == h) {
        r = img_crop(src, win[0], win[1], size, size);
    } else {
        const float box[4] = {0.0f, 0.0f, (float)w, (float)h};
        r = img_resample_window(src, nw, nh, IMG_BICUBIC, box, win, 0);
    }
    if (!r)
        return cdx_fail(err, CDX_ENOMEM, "resize-shortest: out of memory (%dx%d -> %dx%d)", w, h,
                        nw, nh);
    *out = r;
    return CDX_OK;
}
