/*
 * decode.c — the decode entry points: format detection, header reading, the decompression-bomb
 * guard (checked on the header's size before any pixel buffer exists) and dispatch to the
 * per-format decoders in decode_*.c.
 */
#include "image/decode.h"

#include <inttypes.h>

int img_check_pixel_limit(int width, int height, uint64_t max_pixels, const char *name,
                          cdx_error *err) {
    uint64_t limit = max_pixels ? max_pixels : CDX_DEFAULT_MAX_PIXELS;
    uint64_t pixels = (uint64_t)width * (uint64_t)height;
    if (pixels > limit)
        return cdx_fail(err, CDX_ETOOLARGE,
                        "%s: image is %dx%d = %" PRIu64 " pixels, over the limit of %" PRIu64
                        " (decompression bomb guard)",
                        name, width, height, pixels, limit);
    return CDX_OK;
}

static int unsupported(const uint8_t *d, size_t len, const char *name, cdx_error *err) {
    const char *what = img_describe_unknown(d, len);
    if (what) return cdx_fail(err, CDX_EUNSUPPORTED, "%s: %s is not supported", name, what);
    if (len >= 4)
        return cdx_fail(err, CDX_EUNSUPPORTED,
                        "%s: unsupported format (not JPEG, PNG, WebP, GIF or BMP; first bytes "
                        "%02x %02x %02x %02x)",
                        name, d[0], d[1], d[2], d[3]);
    return cdx_fail(err, CDX_EUNSUPPORTED,
                    "%s: unsupported format (only %zu bytes, not JPEG, PNG, WebP, GIF or BMP)",
                    name, len);
}

int img_read_header(const uint8_t *data, size_t len, const char *name, img_header *hdr,
                    cdx_error *err) {
    if (!name) name = "<memory>";
    if (!data || len == 0) return cdx_fail(err, CDX_EEMPTY, "%s: empty file (zero bytes)", name);
    hdr->format = img_sniff(data, len);
    hdr->width = hdr->height = 0;
    hdr->orientation = 1;
    int rc;
    switch (hdr->format) {
    case CDX_FORMAT_JPEG: rc = img_header_jpeg(data, len, name, hdr, err); break;
    case CDX_FORMAT_PNG: rc = img_header_png(data, len, name, hdr, err); break;
    case CDX_FORMAT_WEBP: rc = img_header_webp(data, len, name, hdr, err); break;
    case CDX_FORMAT_GIF: rc = img_header_gif(data, len, name, hdr, err); break;
    case CDX_FORMAT_BMP: rc = img_header_bmp(data, len, name, hdr, err); break;
    default: return unsupported(data, len, name, err);
    }
    if (rc != CDX_OK) return rc;
    hdr->orientation = img_exif_orientation(data, len, hdr->format);
    return CDX_OK;
}

int img_decode(const uint8_t *data, size_t len, const char *name, int scale_denom,
               uint64_t max_pixels, cdx_image **out, cdx_error *err) {
    img_header hdr;
    *out = NULL;
    if (!name) name = "<memory>";
    int rc = img_read_header(data, len, name, &hdr, err);
    if (rc != CDX_OK) return rc;
    rc = img_check_pixel_limit(hdr.width, hdr.height, max_pixels, name, err);
    if (rc != CDX_OK) return rc;
    if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8)
        return cdx_fail(err, CDX_EINVAL, "%s: JPEG scale 1/%d is not one of 1, 1/2, 1/4, 1/8",
                        name, scale_denom);
    switch (hdr.format) {
    case CDX_FORMAT_JPEG: return img_decode_jpeg(data, len, name, scale_denom, out, err);
    case CDX_FORMAT_PNG: return img_decode_png(data, len, name, out, err);
    case CDX_FORMAT_WEBP: return img_decode_webp(data, len, name, out, err);
    case CDX_FORMAT_GIF: return img_decode_gif(data, len, name, out, err);
    case CDX_FORMAT_BMP: return img_decode_bmp(data, len, name, out, err);
    default: return unsupported(data, len, name, err);
    }
}
