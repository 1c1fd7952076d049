/*
 * decode_bmp.c — our own reader for uncompressed (BI_RGB) BMP, as Pillow's BmpImagePlugin opens
 * it: 24-bit BGR and 32-bit BGRX → "RGB", 16-bit → "RGB" from 5-5-5 (Pillow's BGR;15 unpacker),
 * 1/4/8-bit palette → "P", or "1"/"L" when the palette is the identity greyscale. Rows are
 * padded to 4 bytes and stored bottom-up unless the height is negative. RLE and bit fields are
 * refused by the header reader.
 */
#include "image/decode.h"

#include <string.h>

typedef struct bmp_info {
    int width, height, top_down, bits;
    size_t palette_at, palette_entry, colors, pixels_at, row_bytes;
} bmp_info;

static int bmp_parse(const uint8_t *d, size_t len, const char *name, bmp_info *b, cdx_error *err) {
    img_header hdr;
    int rc = img_header_bmp(d, len, name, &hdr, err);
    if (rc != CDX_OK) return rc;
    uint32_t hsize = img_le32(d + 14);
    b->width = hdr.width;
    b->height = hdr.height;
    b->palette_at = 14 + (size_t)hsize;
    if (hsize == 12) {
        b->bits = (int)img_le16(d + 24);
        b->top_down = 0;
        b->palette_entry = 3;
        b->colors = 0;
    } else {
        b->bits = (int)img_le16(d + 28);
        b->top_down = (int32_t)img_le32(d + 22) < 0;
        b->palette_entry = 4;
        b->colors = img_le32(d + 46);
    }
    if (b->colors == 0 && b->bits <= 8) b->colors = (size_t)1 << b->bits;
    b->pixels_at = img_le32(d + 10);
    /* Pillow: a data offset pointing right after the header skips a palette of `colors`. */
    if (b->pixels_at == b->palette_at && b->bits <= 8) b->pixels_at += 4 * b->colors;
    b->row_bytes = (((size_t)b->width * (size_t)b->bits + 31) >> 3) & ~(size_t)3;
    if (b->bits <= 8 && b->colors > 256)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: BMP palette of %zu colours is not supported",
                        name, b->colors);
    return CDX_OK;
}

/* Decides P / L / 1 from the palette (Pillow: greyscale when entry i is (v, v, v) for
 * v = 0,255 with two colours, else v = i). */
static cdx_mode bmp_palette_mode(const uint8_t *pal, const bmp_info *b) {
    for (size_t i = 0; i < b->colors; i++) {
        size_t v = b->colors == 2 ? (i ? 255 : 0) : i;
        const uint8_t *e = pal + i * b->palette_entry;
        if (e[0] != v || e[1] != v || e[2] != v) return CDX_MODE_P;
    }
    return b->colors == 2 ? CDX_MODE_1 : CDX_MODE_L;
}

static void bmp_row(const uint8_t *in, uint8_t *out, const bmp_info *b, cdx_mode mode) {
    int w = b->width;
    if (b->bits == 24 || b->bits == 32) {
        size_t step = (size_t)b->bits / 8;
        for (int x = 0; x < w; x++, in += step, out += 3) {
            out[0] = in[2];
            out[1] = in[1];
            out[2] = in[0];
        }
    } else if (b->bits == 16) { /* Pillow ImagingUnpackBGR15 */
        for (int x = 0; x < w; x++, in += 2, out += 3) {
            unsigned px = img_le16(in);
            out[0] = (uint8_t)(((px >> 10) & 31) * 255 / 31);
            out[1] = (uint8_t)(((px >> 5) & 31) * 255 / 31);
            out[2] = (uint8_t)((px & 31) * 255 / 31);
        }
    } else {
        int per = 8 / b->bits, mask = (1 << b->bits) - 1;
        for (int x = 0; x < w; x++) {
            int shift = 8 - b->bits * (x % per + 1);
            int v = (in[x / per] >> shift) & mask;
            out[x] = (uint8_t)(mode == CDX_MODE_1 ? (v ? 255 : 0) : v);
        }
    }
}

int img_decode_bmp(const uint8_t *d, size_t len, const char *name, cdx_image **out,
                   cdx_error *err) {
    bmp_info b;
    int rc = bmp_parse(d, len, name, &b, err);
    if (rc != CDX_OK) return rc;
    cdx_mode mode = CDX_MODE_RGB;
    const uint8_t *pal = NULL;
    if (b.bits <= 8) {
        size_t pal_len = b.colors * b.palette_entry;
        if (b.palette_at > len || len - b.palette_at < pal_len)
            return cdx_fail(err, CDX_ETRUNCATED, "%s: truncated BMP (file ends in the palette)", name);
        pal = d + b.palette_at;
        mode = bmp_palette_mode(pal, &b);
        if (mode == CDX_MODE_L && b.bits != 8)
            return cdx_fail(err, CDX_EUNSUPPORTED, "%s: %d-bit greyscale BMP is not supported",
                            name, b.bits);
    }
    if (b.pixels_at > len || (len - b.pixels_at) / b.row_bytes < (size_t)b.height)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: truncated BMP (pixel data ends early)", name);
    cdx_image *img = img_new(b.width, b.height, mode);
    if (!img) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory decoding BMP", name);
    for (int y = 0; y < b.height; y++) {
        int src_y = b.top_down ? y : b.height - 1 - y;
        bmp_row(d + b.pixels_at + (size_t)src_y * b.row_bytes, img->pixels + (size_t)y * img->stride,
                &b, mode);
    }
    if (mode == CDX_MODE_P) {
        for (size_t i = 0; i < b.colors; i++) {
            const uint8_t *e = pal + i * b.palette_entry;
            img->palette[3 * i] = e[2];
            img->palette[3 * i + 1] = e[1];
            img->palette[3 * i + 2] = e[0];
        }
        img->palette_count = (int)b.colors;
    }
    *out = img;
    return CDX_OK;
}
