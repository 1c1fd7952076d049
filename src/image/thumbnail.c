/*
 * thumbnail.c — Pillow 9.4's Image.thumbnail((size, size), LANCZOS, reducing_gap=2.0) on an
 * encoded file: the size rule, the JPEG draft() DCT scale (requested at twice the thumbnail
 * size, chosen by floor division) with its float box, then resize(); no-op when the image
 * already fits. With EXIF orientation 2..8 it is ImageOps.exif_transpose (full decode) followed
 * by thumbnail() without draft, as the public header documents.
 */
#include "image/image.h"

#include <stdlib.h>

#define THUMB_REDUCING_GAP 2.0

/* JpegImagePlugin.draft(): scale = min(W // (2 tw), H // (2 th)); the largest of 8, 4, 2
 * that it reaches, else 1. The float floor division equals integer division here. */
static int thumb_draft_scale(int w, int h, int tw, int th) {
    const int sx = w / (tw * 2), sy = h / (th * 2);
    const int s = sx < sy ? sx : sy;
    return s >= 8 ? 8 : s >= 4 ? 4 : s >= 2 ? 2 : 1;
}

/* thumbnail() on a loaded image (no draft): resize when it does not fit yet. Takes `img`. */
static int thumb_loaded(cdx_image *img, int size, cdx_image **out, cdx_error *err) {
    int tw, th;
    cdx_thumbnail_size(img->width, img->height, size, &tw, &th);
    if (tw == img->width && th == img->height) {
        *out = img;
        return CDX_OK;
    }
    int rc = img_resize(img, tw, th, IMG_LANCZOS, NULL, THUMB_REDUCING_GAP, out, err);
    cdx_image_free(img);
    return rc;
}

static int thumb_oriented(const uint8_t *data, size_t len, const char *name, int size,
                          int orientation, uint64_t max_pixels, cdx_image **out, cdx_error *err) {
    cdx_image *img = NULL;
    int rc = img_decode(data, len, name, 1, max_pixels, &img, err);
    if (rc != CDX_OK) return rc;
    cdx_image *turned = img_apply_orientation(img, orientation);
    cdx_image_free(img);
    if (!turned) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory applying orientation", name);
    return thumb_loaded(turned, size, out, err);
}

int img_thumbnail_mem(const uint8_t *data, size_t len, const char *name, int size,
                      const cdx_image_opts *opts, cdx_image **out, cdx_error *err) {
    *out = NULL;
    if (size < 1) return cdx_fail(err, CDX_EINVAL, "%s: thumbnail size %d must be >= 1", name, size);
    const uint64_t max_pixels =
        opts && opts->max_pixels ? opts->max_pixels : CDX_DEFAULT_MAX_PIXELS;
    img_header hdr;
    int rc = img_read_header(data, len, name, &hdr, err);
    if (rc != CDX_OK) return rc;
    const int orientation = opts && opts->no_exif ? 1 : hdr.orientation;
    if (orientation >= 2 && orientation <= 8)
        return thumb_oriented(data, len, name, size, orientation, max_pixels, out, err);
    int tw, th;
    cdx_thumbnail_size(hdr.width, hdr.height, size, &tw, &th);
    const int fits = tw == hdr.width && th == hdr.height;
    const int scale =
        !fits && hdr.format == CDX_FORMAT_JPEG ? thumb_draft_scale(hdr.width, hdr.height, tw, th) : 1;
    cdx_image *img = NULL;
    rc = img_decode(data, len, name, scale, max_pixels, &img, err);
    if (rc != CDX_OK) return rc;
    if (fits) {
        *out = img;
        return CDX_OK;
    }
    if (hdr.format != CDX_FORMAT_JPEG) return thumb_loaded(img, size, out, err);
    /* draft() returned box (0, 0, W / s, H / s) and thumbnail() keeps the pre-draft size. */
    const double box[4] = {0, 0, (double)hdr.width / scale, (double)hdr.height / scale};
    rc = img_resize(img, tw, th, IMG_LANCZOS, box, THUMB_REDUCING_GAP, out, err);
    cdx_image_free(img);
    return rc;
}

int cdx_thumbnail_mem(const void *data, size_t len, const char *name, int size,
                      const cdx_image_opts *opts, cdx_image **out, cdx_error *err) {
    if (!data || !out) return cdx_fail(err, CDX_EINVAL, "%s: no input", name ? name : "(memory)");
    return img_thumbnail_mem(data, len, name ? name : "(memory)", size, opts, out, err);
}

int cdx_thumbnail_file(const char *path, int size, const cdx_image_opts *opts, cdx_image **out,
                       cdx_error *err) {
    uint8_t *data = NULL;
    size_t len = 0;
    if (!out) return cdx_fail(err, CDX_EINVAL, "%s: no output", path);
    *out = NULL;
    int rc = img_read_file(path, &data, &len, err);
    if (rc != CDX_OK) return rc;
    rc = img_thumbnail_mem(data, len, path, size, opts, out, err);
    free(data);
    return rc;
}
