/*
 * load.c — the public entry points for images: probing (header + EXIF only, never pixels) and
 * loading (decode + EXIF orientation unless opts->no_exif). Probing reads a prefix of the file
 * and only reads the rest when the header or an after-pixels EXIF chunk (PNG) may lie beyond it.
 */
#include "image/decode.h"

#include <stdlib.h>

#define PROBE_PREFIX ((size_t)256 * 1024)

static void fill_info(const img_header *h, int no_exif, cdx_image_info *info) {
    info->format = h->format;
    info->stored_width = h->width;
    info->stored_height = h->height;
    info->orientation = no_exif ? 1 : h->orientation;
    int swap = info->orientation >= 5;
    info->width = swap ? h->height : h->width;
    info->height = swap ? h->width : h->height;
}

int cdx_image_probe_file(const char *path, const cdx_image_opts *opts, cdx_image_info *info,
                         cdx_error *err) {
    if (!path || !info) return cdx_fail(err, CDX_EINVAL, "cdx_image_probe_file: NULL argument");
    cdx_image_opts defaults = {0};
    if (!opts) opts = &defaults;
    uint8_t *data;
    size_t len, total = 0;
    int rc = img_read_file_prefix(path, PROBE_PREFIX, &data, &len, &total, err);
    if (rc != CDX_OK) return rc;
    img_header h;
    rc = img_read_header(data, len, path, &h, err);
    int need_all = len < total && (rc == CDX_ETRUNCATED ||
                                   (rc == CDX_OK && h.format == CDX_FORMAT_PNG && h.orientation == 1 &&
                                    !opts->no_exif));
    if (need_all) {
        free(data);
        rc = img_read_file(path, &data, &len, err);
        if (rc != CDX_OK) return rc;
        rc = img_read_header(data, len, path, &h, err);
    }
    free(data);
    if (rc != CDX_OK) return rc;
    rc = img_check_pixel_limit(h.width, h.height, opts->max_pixels, path, err);
    if (rc != CDX_OK) return rc;
    fill_info(&h, opts->no_exif, info);
    return CDX_OK;
}

int cdx_image_load_mem(const void *data, size_t size, const char *name, const cdx_image_opts *opts,
                       cdx_image **out, cdx_error *err) {
    if (!out) return cdx_fail(err, CDX_EINVAL, "cdx_image_load_mem: NULL output");
    *out = NULL;
    if (!name) name = "<memory>";
    cdx_image_opts defaults = {0};
    if (!opts) opts = &defaults;
    cdx_image *img;
    int rc = img_decode(data, size, name, 1, opts->max_pixels, &img, err);
    if (rc != CDX_OK) return rc;
    int orientation = opts->no_exif ? 1 : img_exif_orientation(data, size, img_sniff(data, size));
    if (orientation >= 2) {
        cdx_image *turned = img_apply_orientation(img, orientation);
        cdx_image_free(img);
        if (!turned) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory applying orientation", name);
        img = turned;
    }
    *out = img;
    return CDX_OK;
}

int cdx_image_load_file(const char *path, const cdx_image_opts *opts, cdx_image **out,
                        cdx_error *err) {
    if (!path || !out) return cdx_fail(err, CDX_EINVAL, "cdx_image_load_file: NULL argument");
    *out = NULL;
    uint8_t *data;
    size_t len;
    int rc = img_read_file(path, &data, &len, err);
    if (rc != CDX_OK) return rc;
    rc = cdx_image_load_mem(data, len, path, opts, out, err);
    free(data);
    return rc;
}
