/*
 * decode_webp.c — still WebP through libwebp's advanced API decoding straight into our buffer.
 * Mode as Pillow 9.4 (WebPImagePlugin via WebPAnimDecoder): "RGBA" when WebPGetFeatures reports
 * alpha, else "RGB". The ICCP chunk is kept as the ICC profile.
 */
#include "image/decode.h"

#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>

static int webp_take_icc(const uint8_t *d, size_t len, cdx_image *img) {
    size_t pos = 12;
    while (pos + 8 <= len) {
        size_t clen = img_le32(d + pos + 4);
        if (clen > len - pos - 8) return CDX_OK;
        if (memcmp(d + pos, "ICCP", 4) == 0) {
            if (clen == 0) return CDX_OK;
            img->icc = malloc(clen);
            if (!img->icc) return CDX_ENOMEM;
            memcpy(img->icc, d + pos + 8, clen);
            img->icc_len = clen;
            return CDX_OK;
        }
        pos += 8 + clen + (clen & 1);
    }
    return CDX_OK;
}

static int webp_status_fail(VP8StatusCode st, const char *name, cdx_error *err) {
    switch (st) {
    case VP8_STATUS_NOT_ENOUGH_DATA:
        return cdx_fail(err, CDX_ETRUNCATED, "%s: truncated WebP (file ends early)", name);
    case VP8_STATUS_OUT_OF_MEMORY:
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory decoding WebP", name);
    case VP8_STATUS_UNSUPPORTED_FEATURE:
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: WebP feature not supported", name);
    default: return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt WebP (libwebp status %d)", name, (int)st);
    }
}

int img_decode_webp(const uint8_t *data, size_t len, const char *name, cdx_image **out,
                    cdx_error *err) {
    WebPDecoderConfig cfg;
    if (!WebPInitDecoderConfig(&cfg))
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: libwebp version mismatch", name);
    VP8StatusCode st = WebPGetFeatures(data, len, &cfg.input);
    if (st != VP8_STATUS_OK) return webp_status_fail(st, name, err);
    if (cfg.input.has_animation)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: animated WebP is not supported", name);
    img_header hdr;
    if (img_header_webp(data, len, name, &hdr, err) != CDX_OK) return err ? err->code : CDX_ECORRUPT;
    if (cfg.input.width != hdr.width || cfg.input.height != hdr.height)
        return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt WebP (canvas %dx%d, bitstream %dx%d)",
                        name, hdr.width, hdr.height, cfg.input.width, cfg.input.height);
    cdx_mode mode = cfg.input.has_alpha ? CDX_MODE_RGBA : CDX_MODE_RGB;
    cdx_image *img = img_new(cfg.input.width, cfg.input.height, mode);
    if (!img) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory decoding WebP", name);
    cfg.output.colorspace = mode == CDX_MODE_RGBA ? MODE_RGBA : MODE_RGB;
    cfg.output.is_external_memory = 1;
    cfg.output.u.RGBA.rgba = img->pixels;
    cfg.output.u.RGBA.stride = (int)img->stride;
    cfg.output.u.RGBA.size = img->stride * (size_t)img->height;
    st = WebPDecode(data, len, &cfg);
    WebPFreeDecBuffer(&cfg.output);
    if (st != VP8_STATUS_OK) {
        cdx_image_free(img);
        return webp_status_fail(st, name, err);
    }
    if (webp_take_icc(data, len, img) != CDX_OK) {
        cdx_image_free(img);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for the ICC profile", name);
    }
    *out = img;
    return CDX_OK;
}
