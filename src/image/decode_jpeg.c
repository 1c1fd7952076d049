/*
 * decode_jpeg.c — JPEG through libjpeg-turbo's TurboJPEG API with default settings (ISLOW IDCT,
 * fancy upsampling), which is exactly what Pillow's JpegDecode.c asks libjpeg for. Optional
 * DCT-domain scaling 1/2, 1/4, 1/8 reproduces Pillow's draft(). Grey → L, YCbCr/RGB → RGB,
 * CMYK/YCCK → CMYK stored inverted as Pillow's "CMYK;I" rawmode does. APP2 ICC_PROFILE chunks
 * are reassembled the way JpegImagePlugin does (sorted, count checked, concatenated).
 */
#include "image/decode.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/* One APP2 "ICC_..." segment, as Pillow keeps it (prefix included). */
typedef struct icc_seg {
    const uint8_t *p;
    size_t n;
} icc_seg;

static int icc_seg_less(const icc_seg *a, const icc_seg *b) {
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->p, b->p, n);
    return c < 0 || (c == 0 && a->n < b->n);
}

/* Pillow: icclist.sort(); if icclist[0][13] == len(icclist): b"".join(p[14:] ...). */
static int jpeg_collect_icc(const uint8_t *d, size_t len, cdx_image *img) {
    icc_seg segs[256];
    size_t count = 0, pos = 2;
    while (pos + 4 <= len) {
        if (d[pos] != 0xFF) break;
        uint8_t m = d[pos + 1];
        if (m == 0xFF) { pos++; continue; }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { pos += 2; continue; }
        if (m == 0xDA || m == 0xD9) break;
        size_t seg = img_be16(d + pos + 2);
        if (seg < 2 || seg > len - pos - 2) break;
        const uint8_t *s = d + pos + 4;
        size_t n = seg - 2;
        if (m == 0xE2 && n >= 14 && memcmp(s, "ICC_", 4) == 0) {
            if (count == 256) return CDX_OK; /* more chunks than a valid count byte allows */
            icc_seg cur = {s, n};
            size_t i = count++;
            while (i > 0 && icc_seg_less(&cur, &segs[i - 1])) {
                segs[i] = segs[i - 1];
                i--;
            }
            segs[i] = cur;
        }
        pos += 2 + seg;
    }
    if (count == 0 || segs[0].p[13] != count) return CDX_OK;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += segs[i].n - 14;
    if (total == 0) return CDX_OK;
    img->icc = malloc(total);
    if (!img->icc) return CDX_ENOMEM;
    for (size_t i = 0, at = 0; i < count; i++) {
        memcpy(img->icc + at, segs[i].p + 14, segs[i].n - 14);
        at += segs[i].n - 14;
    }
    img->icc_len = total;
    return CDX_OK;
}

static int jpeg_fail(tjhandle tj, const char *name, cdx_error *err) {
    const char *msg = tjGetErrorStr2(tj);
    int code = strstr(msg, "Premature end") || strstr(msg, "premature end") ? CDX_ETRUNCATED
                                                                            : CDX_ECORRUPT;
    return cdx_fail(err, code, "%s: %s JPEG (%s)", name,
                    code == CDX_ETRUNCATED ? "truncated" : "corrupt", msg);
}

int img_decode_jpeg(const uint8_t *data, size_t len, const char *name, int scale_denom,
                    cdx_image **out, cdx_error *err) {
    if (len > (unsigned long)-1) return cdx_fail(err, CDX_ETOOLARGE, "%s: file too large", name);
    tjhandle tj = tjInitDecompress();
    if (!tj) return cdx_fail(err, CDX_ENOMEM, "%s: cannot start the JPEG decoder", name);
    int w, h, subsamp, cs, rc = CDX_OK;
    cdx_image *img = NULL;
    if (tjDecompressHeader3(tj, data, (unsigned long)len, &w, &h, &subsamp, &cs) != 0) {
        rc = jpeg_fail(tj, name, err);
        goto done;
    }
    img_header hdr; /* the pixel limit was checked on this size: libjpeg must agree */
    if (img_header_jpeg(data, len, name, &hdr, err) != CDX_OK || hdr.width != w ||
        hdr.height != h) {
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: corrupt JPEG (frame header not where expected)",
                      name);
        goto done;
    }
    int pf = TJPF_RGB;
    cdx_mode mode = CDX_MODE_RGB;
    if (cs == TJCS_GRAY) { pf = TJPF_GRAY; mode = CDX_MODE_L; }
    if (cs == TJCS_CMYK || cs == TJCS_YCCK) { pf = TJPF_CMYK; mode = CDX_MODE_CMYK; }
    tjscalingfactor sf = {1, scale_denom};
    int sw = TJSCALED(w, sf), sh = TJSCALED(h, sf);
    img = img_new(sw, sh, mode);
    if (!img) {
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory for %dx%d pixels", name, sw, sh);
        goto done;
    }
    if (tjDecompress2(tj, data, (unsigned long)len, img->pixels, sw, (int)img->stride, sh, pf,
                      0) != 0) {
        /* Warnings (e.g. extraneous bytes) still give the image, as in Pillow; a premature
         * end of data does not (Pillow: "image file is truncated"). */
        const char *msg = tjGetErrorStr2(tj);
        if (tjGetErrorCode(tj) != TJERR_WARNING || strstr(msg, "Premature end")) {
            rc = jpeg_fail(tj, name, err);
            goto done;
        }
    }
    if (mode == CDX_MODE_CMYK) { /* Pillow's rawmode "CMYK;I" (Adobe polarity) */
        size_t n = img->stride * (size_t)sh;
        for (size_t i = 0; i < n; i++) img->pixels[i] = (uint8_t)(255 - img->pixels[i]);
    }
    if (jpeg_collect_icc(data, len, img) != CDX_OK)
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory for the ICC profile", name);
done:
    tjDestroy(tj);
    if (rc != CDX_OK) {
        cdx_image_free(img);
        return rc;
    }
    *out = img;
    return CDX_OK;
}
