/*
 * header.c — header-only probing: image size and format facts read from the first bytes of
 * each format (JPEG SOF, PNG IHDR, WebP VP8/VP8L/VP8X, GIF screen + first image descriptor,
 * BMP info header), without decoding pixels. Unsupported variants are refused here so that a
 * probe fails exactly where a decode would.
 */
#include "image/decode.h"

#include <string.h>

static int too_short(const char *name, cdx_error *err, const char *what) {
    return cdx_fail(err, CDX_ETRUNCATED, "%s: truncated (file ends inside the %s)", name, what);
}

static int is_sof(uint8_t m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

int img_header_jpeg(const uint8_t *d, size_t len, const char *name, img_header *hdr,
                    cdx_error *err) {
    size_t pos = 2;
    for (;;) {
        if (pos + 4 > len) return too_short(name, err, "JPEG header");
        if (d[pos] != 0xFF)
            return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt JPEG (no marker at byte %zu)", name,
                            pos);
        uint8_t m = d[pos + 1];
        if (m == 0xFF) {
            pos++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            pos += 2;
            continue;
        }
        if (m == 0xDA || m == 0xD9)
            return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt JPEG (no frame header before scan)",
                            name);
        size_t seg = img_be16(d + pos + 2);
        if (seg < 2) return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt JPEG segment at byte %zu", name, pos);
        if (seg > len - pos - 2) return too_short(name, err, "JPEG header");
        if (is_sof(m)) {
            const uint8_t *s = d + pos + 4;
            if (seg < 8) return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt JPEG frame header", name);
            if (s[0] != 8)
                return cdx_fail(err, CDX_EUNSUPPORTED, "%s: %u-bit JPEG is not supported", name,
                                s[0]);
            if (m == 0xC3 || m == 0xC7 || m == 0xCB || m == 0xCF)
                return cdx_fail(err, CDX_EUNSUPPORTED, "%s: lossless JPEG is not supported", name);
            if (s[5] != 1 && s[5] != 3 && s[5] != 4)
                return cdx_fail(err, CDX_EUNSUPPORTED,
                                "%s: JPEG with %u components is not supported", name, s[5]);
            hdr->height = (int)img_be16(s + 1);
            hdr->width = (int)img_be16(s + 3);
            if (hdr->width == 0 || hdr->height == 0)
                return cdx_fail(err, CDX_EUNSUPPORTED,
                                "%s: JPEG with a height of 0 (DNL marker) is not supported", name);
            return CDX_OK;
        }
        pos += 2 + seg;
    }
}

int img_header_png(const uint8_t *d, size_t len, const char *name, img_header *hdr,
                   cdx_error *err) {
    if (len < 8 + 8 + 13) return too_short(name, err, "PNG header");
    if (img_be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4) != 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt PNG (first chunk is not IHDR)", name);
    const uint8_t *h = d + 16;
    uint32_t w = img_be32(h), ht = img_be32(h + 4);
    unsigned depth = h[8], type = h[9];
    if (w == 0 || ht == 0 || w > 0x7FFFFFFF || ht > 0x7FFFFFFF)
        return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt PNG (size %ux%u)", name, w, ht);
    int ok = (type == 0 && (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)) ||
             (type == 3 && (depth == 1 || depth == 2 || depth == 4 || depth == 8)) ||
             ((type == 2 || type == 4 || type == 6) && (depth == 8 || depth == 16));
    if (!ok)
        return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt PNG (bit depth %u with colour type %u)",
                        name, depth, type);
    hdr->width = (int)w;
    hdr->height = (int)ht;
    return CDX_OK;
}

int img_header_webp(const uint8_t *d, size_t len, const char *name, img_header *hdr,
                    cdx_error *err) {
    if (len < 30) return too_short(name, err, "WebP header");
    const uint8_t *c = d + 12, *b = d + 20;
    if (memcmp(c, "VP8 ", 4) == 0) {
        if (b[3] != 0x9D || b[4] != 0x01 || b[5] != 0x2A)
            return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt WebP (bad VP8 start code)", name);
        hdr->width = (int)(img_le16(b + 6) & 0x3FFF);
        hdr->height = (int)(img_le16(b + 8) & 0x3FFF);
    } else if (memcmp(c, "VP8L", 4) == 0) {
        if (b[0] != 0x2F)
            return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt WebP (bad VP8L signature)", name);
        uint32_t bits = img_le32(b + 1);
        hdr->width = (int)(bits & 0x3FFF) + 1;
        hdr->height = (int)((bits >> 14) & 0x3FFF) + 1;
    } else if (memcmp(c, "VP8X", 4) == 0) {
        hdr->width = (int)((uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16) + 1;
        hdr->height = (int)((uint32_t)b[7] | (uint32_t)b[8] << 8 | (uint32_t)b[9] << 16) + 1;
        if (b[0] & 0x02)
            return cdx_fail(err, CDX_EUNSUPPORTED, "%s: animated WebP is not supported", name);
    } else {
        return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt WebP (unknown first chunk)", name);
    }
    if (hdr->width == 0 || hdr->height == 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt WebP (zero size)", name);
    return CDX_OK;
}

/* Skips GIF data sub-blocks starting at *pos; 0 when the file ends first. */
static int gif_skip_blocks(const uint8_t *d, size_t len, size_t *pos) {
    for (;;) {
        if (*pos >= len) return 0;
        size_t n = d[*pos];
        *pos += 1;
        if (n == 0) return 1;
        if (n > len - *pos) return 0;
        *pos += n;
    }
}

int img_header_gif(const uint8_t *d, size_t len, const char *name, img_header *hdr,
                   cdx_error *err) {
    if (len < 13) return too_short(name, err, "GIF header");
    int w = (int)img_le16(d + 6), h = (int)img_le16(d + 8);
    size_t pos = 13;
    if (d[10] & 0x80) pos += (size_t)3 << ((d[10] & 7) + 1);
    for (;;) { /* as Pillow: the first image descriptor may enlarge the canvas */
        if (pos >= len) return too_short(name, err, "GIF header");
        uint8_t b = d[pos];
        if (b == ';')
            return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt GIF (no image in file)", name);
        if (b == '!') {
            pos += 2;
            if (!gif_skip_blocks(d, len, &pos)) return too_short(name, err, "GIF header");
        } else if (b == ',') {
            if (len - pos < 10) return too_short(name, err, "GIF image descriptor");
            int x1 = (int)(img_le16(d + pos + 1) + img_le16(d + pos + 5));
            int y1 = (int)(img_le16(d + pos + 3) + img_le16(d + pos + 7));
            hdr->width = x1 > w ? x1 : w;
            hdr->height = y1 > h ? y1 : h;
            if (hdr->width == 0 || hdr->height == 0)
                return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt GIF (zero size)", name);
            return CDX_OK;
        } else {
            pos++; /* Pillow skips unknown bytes between blocks */
        }
    }
}

int img_header_bmp(const uint8_t *d, size_t len, const char *name, img_header *hdr,
                   cdx_error *err) {
    if (len < 18) return too_short(name, err, "BMP header");
    uint32_t hsize = img_le32(d + 14);
    if (hsize != 12 && hsize != 40 && hsize != 64 && hsize != 108 && hsize != 124)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: BMP header type %u is not supported", name,
                        hsize);
    if (len - 14 < hsize) return too_short(name, err, "BMP header");
    const uint8_t *h = d + 18;
    uint32_t bits, compression = 0;
    int64_t w, ht;
    if (hsize == 12) {
        w = img_le16(h);
        ht = img_le16(h + 2);
        bits = img_le16(h + 6);
    } else {
        w = (int32_t)img_le32(h);
        ht = (int32_t)img_le32(h + 4);
        if (ht < 0) ht = -ht;
        bits = img_le16(h + 10);
        compression = img_le32(h + 12);
    }
    if (compression == 1 || compression == 2)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: RLE-compressed BMP is not supported", name);
    if (compression == 3 || compression == 6)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: BMP with bit fields is not supported", name);
    if (compression != 0)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: BMP compression %u is not supported", name,
                        compression);
    if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: %u-bit BMP is not supported", name, bits);
    if (w <= 0 || ht <= 0 || w > 0x7FFFFFFF || ht > 0x7FFFFFFF)
        return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt BMP (size %lldx%lld)", name,
                        (long long)w, (long long)ht);
    hdr->width = (int)w;
    hdr->height = (int)ht;
    return CDX_OK;
}
