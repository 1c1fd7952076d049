/*
 * orient.c — EXIF orientation as Pillow's ImageOps.exif_transpose applies it:
 * 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270,
 * 7 TRANSVERSE, 8 ROTATE_90. Pixels move unchanged; palette, transparency and ICC are kept.
 */
#include "image/image.h"

#include <string.h>

/* Source coordinates of output pixel (x, y) for a w x h source. */
static void source_of(int orientation, int w, int h, int x, int y, int *sx, int *sy) {
    switch (orientation) {
    case 2: *sx = w - 1 - x; *sy = y; break;
    case 3: *sx = w - 1 - x; *sy = h - 1 - y; break;
    case 4: *sx = x; *sy = h - 1 - y; break;
    case 5: *sx = y; *sy = x; break;
    case 6: *sx = y; *sy = h - 1 - x; break;
    case 7: *sx = w - 1 - y; *sy = h - 1 - x; break;
    case 8: *sx = w - 1 - y; *sy = x; break;
    default: *sx = x; *sy = y; break;
    }
}

cdx_image *img_apply_orientation(const cdx_image *src, int orientation) {
    if (orientation < 2 || orientation > 8) return img_clone(src);
    int swap = orientation >= 5;
    int ow = swap ? src->height : src->width, oh = swap ? src->width : src->height;
    cdx_image *out = img_new(ow, oh, src->mode);
    if (!out) return NULL;
    if (img_copy_meta(out, src) != CDX_OK) {
        cdx_image_free(out);
        return NULL;
    }
    size_t bpp = (size_t)img_mode_bytes(src->mode);
    for (int y = 0; y < oh; y++) {
        uint8_t *row = out->pixels + (size_t)y * out->stride;
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            source_of(orientation, src->width, src->height, x, y, &sx, &sy);
            const uint8_t *p = src->pixels + (size_t)sy * src->stride + (size_t)sx * bpp;
            memcpy(row + (size_t)x * bpp, p, bpp);
        }
    }
    return out;
}
