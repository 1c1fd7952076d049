/*
 * png_encode.c — a PNG writer that reproduces Pillow 9.4's bytes (PngImagePlugin._save +
 * libImaging/ZipEncode.c): Pillow's mode table (_OUTMODES), its chunk order (IHDR, iCCP, PLTE,
 * tRNS, IDAT of at most max(65536, 4 * width) bytes each, IEND), its per-row filter heuristic
 * and zlib deflateInit2(level, 8, 15, memLevel 9, Z_FILTERED; Z_DEFAULT_STRATEGY and no
 * filtering for palettes). With the same zlib build the output is byte-identical to Pillow's.
 */
#include "image/image.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct png_buf {
    uint8_t *data;
    size_t len, cap;
    int oom;
} png_buf;

static void buf_put(png_buf *b, const void *p, size_t n) {
    if (b->oom) return;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2) {
                b->oom = 1;
                return;
            }
            cap *= 2;
        }
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->oom = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void png_chunk(png_buf *b, const char *tag, const uint8_t *data, size_t len) {
    uint8_t hdr[8], crc_be[4];
    put_be32(hdr, (uint32_t)len);
    memcpy(hdr + 4, tag, 4);
    uLong crc = crc32(0L, (const Bytef *)tag, 4);
    if (len) crc = crc32_z(crc, data, len);
    put_be32(crc_be, (uint32_t)crc);
    buf_put(b, hdr, 8);
    if (len) buf_put(b, data, len);
    buf_put(b, crc_be, 4);
}

/* PNG bit depth / colour type and packed bits per pixel for a (non-CMYK) mode. */
typedef struct png_layout {
    int depth, color_type, bits;
} png_layout;

static int palette_colors(const cdx_image *img) {
    int n = img->palette_count;
    return n < 1 ? 1 : n > 256 ? 256 : n;
}

static png_layout layout_for(const cdx_image *img) {
    png_layout l = {8, 0, 8};
    switch (img->mode) {
    case CDX_MODE_1: l.depth = 1, l.color_type = 0, l.bits = 1; break;
    case CDX_MODE_L: break;
    case CDX_MODE_LA: l.color_type = 4, l.bits = 16; break;
    case CDX_MODE_I: l.depth = 16, l.bits = 16; break;
    case CDX_MODE_RGB: l.color_type = 2, l.bits = 24; break;
    case CDX_MODE_RGBA: l.color_type = 6, l.bits = 32; break;
    default: { /* P: 1/2/4 bits for small palettes */
        const int c = palette_colors(img);
        l.color_type = 3;
        l.depth = l.bits = c <= 2 ? 1 : c <= 4 ? 2 : c <= 16 ? 4 : 8;
    }
    }
    return l;
}

/* Pillow's packers for one row: pack1 (nonzero -> 1), P;2/P;4 (low bits, MSB first),
 * I;16B (clamped to 0..65535, big-endian), everything else a plain copy. */
static void pack_row(const cdx_image *img, const png_layout *l, const uint8_t *src, uint8_t *dst,
                     size_t row_bytes) {
    const int w = img->width;
    if (img->mode == CDX_MODE_I) {
        for (int x = 0; x < w; x++) {
            int32_t v;
            memcpy(&v, src + (size_t)x * 4, 4);
            const uint16_t u = v <= 0 ? 0 : v > 65535 ? 65535 : (uint16_t)v;
            dst[2 * x] = (uint8_t)(u >> 8);
            dst[2 * x + 1] = (uint8_t)u;
        }
    } else if (l->bits < 8) {
        const int per = 8 / l->bits, mask = (1 << l->bits) - 1;
        memset(dst, 0, row_bytes);
        for (int x = 0; x < w; x++) {
            int v = img->mode == CDX_MODE_1 || l->bits == 1 ? src[x] != 0 : src[x] & mask;
            dst[x / per] |= (uint8_t)(v << (8 - l->bits * (x % per + 1)));
        }
    } else {
        memcpy(dst, src, row_bytes);
    }
}

/* Pillow's cost of one filtered byte: its distance from 0 modulo 256. */
static inline unsigned byte_cost(uint8_t v) { return v < 128 ? v : 256u - v; }

/* Paeth predictor (PNG spec 9.4) in the branch-free form the compiler vectorises; ties go to
 * a, then b, as in the spec and in ZipEncode.c. */
static inline uint8_t paeth_pred(int a, int b, int c) {
    const int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    const int ab = pb <= pc ? b : c;
    return (uint8_t)(pa <= pb && pa <= pc ? a : ab);
}

/* The four candidate costs of one row, each in its own loop so each vectorises; bytes before
 * the first full pixel have a zero left neighbour. */
static void filter_costs(const uint8_t *restrict cur, const uint8_t *restrict prev, size_t n,
                         size_t bpp, unsigned cost[4]) {
    unsigned none = 0, up = 0, sub = 0, pae = 0;
    const size_t head = bpp < n ? bpp : n;
    for (size_t i = 0; i < n; i++) none += byte_cost(cur[i]);
    for (size_t i = 0; i < n; i++) up += byte_cost((uint8_t)(cur[i] - prev[i]));
    for (size_t i = 0; i < head; i++) {
        sub += byte_cost(cur[i]);
        pae += byte_cost((uint8_t)(cur[i] - paeth_pred(0, prev[i], 0)));
    }
    for (size_t i = head; i < n; i++) sub += byte_cost((uint8_t)(cur[i] - cur[i - bpp]));
    for (size_t i = head; i < n; i++)
        pae += byte_cost((uint8_t)(cur[i] - paeth_pred(cur[i - bpp], prev[i], prev[i - bpp])));
    cost[0] = none, cost[1] = sub, cost[2] = up, cost[3] = pae;
}

/* Writes filter `type` (PNG numbering: 0 None, 1 Sub, 2 Up, 4 Paeth) of `cur` into `out`. */
static void filter_apply(int type, const uint8_t *restrict cur, const uint8_t *restrict prev,
                         size_t n, size_t bpp, uint8_t *restrict out) {
    const size_t head = bpp < n ? bpp : n;
    switch (type) {
    case 1:
        memcpy(out, cur, head);
        for (size_t i = head; i < n; i++) out[i] = (uint8_t)(cur[i] - cur[i - bpp]);
        break;
    case 2:
        for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(cur[i] - prev[i]);
        break;
    case 4:
        for (size_t i = 0; i < head; i++) out[i] = (uint8_t)(cur[i] - paeth_pred(0, prev[i], 0));
        for (size_t i = head; i < n; i++)
            out[i] = (uint8_t)(cur[i] - paeth_pred(cur[i - bpp], prev[i], prev[i - bpp]));
        break;
    default: memcpy(out, cur, n);
    }
}

/* ZipEncode.c's choice: None, then Up, Sub, Paeth; a candidate wins only if strictly cheaper,
 * and none is tried once the best cost is 0. Returns the PNG filter type. */
static int filter_choose(const uint8_t *cur, const uint8_t *prev, size_t n, size_t bpp) {
    unsigned cost[4];
    filter_costs(cur, prev, n, bpp, cost);
    int best = 0;
    unsigned sum = cost[0];
    if (sum > 0 && cost[2] < sum) best = 2, sum = cost[2];
    if (sum > 0 && cost[1] < sum) best = 1, sum = cost[1];
    if (sum > 0 && cost[3] < sum) best = 4;
    return best;
}

/* Builds the filtered scanline stream (filter byte + row per line). Rows whose packed form is
 * the pixel row itself are filtered straight from the image; others are packed into scratch. */
static uint8_t *png_scanlines(const cdx_image *img, const png_layout *l, size_t *out_len) {
    const size_t row_bytes = ((size_t)l->bits * (size_t)img->width + 7) / 8;
    const size_t bpp = (size_t)(l->bits + 7) / 8;
    const int filtered = img->mode != CDX_MODE_P;
    const int direct = img->mode != CDX_MODE_I && l->bits >= 8;
    if (row_bytes + 1 > SIZE_MAX / (size_t)img->height) return NULL;
    const size_t total = (row_bytes + 1) * (size_t)img->height;
    uint8_t *out = malloc(total);
    uint8_t *scratch = calloc(3, row_bytes); /* zero row, two packed rows */
    if (!out || !scratch) {
        free(out);
        free(scratch);
        return NULL;
    }
    const uint8_t *prev = scratch;
    uint8_t *packed[2] = {scratch + row_bytes, scratch + 2 * row_bytes};
    for (int y = 0; y < img->height; y++) {
        const uint8_t *src = img->pixels + (size_t)y * img->stride;
        const uint8_t *cur = src;
        if (!direct) {
            pack_row(img, l, src, packed[y & 1], row_bytes);
            cur = packed[y & 1];
        }
        uint8_t *line = out + (size_t)y * (row_bytes + 1);
        const int type = filtered ? filter_choose(cur, prev, row_bytes, bpp) : 0;
        line[0] = (uint8_t)type;
        filter_apply(type, cur, prev, row_bytes, bpp, line + 1);
        prev = cur;
    }
    free(scratch);
    *out_len = total;
    return out;
}

/* Deflates the scanlines and appends IDAT chunks of at most `chunk_max` bytes. */
static int png_idat(png_buf *b, const uint8_t *raw, size_t raw_len, int level, int strategy,
                    size_t chunk_max) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 15, 9, strategy) != Z_OK) return -1;
    uint8_t *chunk = malloc(chunk_max);
    if (!chunk) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)raw;
    int rc = Z_OK;
    size_t left = raw_len;
    while (rc != Z_STREAM_END) {
        zs.next_out = chunk;
        zs.avail_out = (uInt)chunk_max;
        while (zs.avail_out > 0 && rc != Z_STREAM_END) {
            if (zs.avail_in == 0 && left > 0) {
                zs.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
                left -= zs.avail_in;
            }
            rc = deflate(&zs, left == 0 ? Z_FINISH : Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
        }
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
        png_chunk(b, "IDAT", chunk, chunk_max - zs.avail_out);
    }
    free(chunk);
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? 0 : -1;
}

static int png_iccp(png_buf *b, const cdx_image *img) {
    static const char name[] = "ICC Profile";
    uLong bound = compressBound((uLong)img->icc_len);
    uint8_t *data = malloc(sizeof name + 1 + bound);
    if (!data) return -1;
    memcpy(data, name, sizeof name); /* name + NUL */
    data[sizeof name] = 0;           /* compression method: deflate */
    uLongf zlen = bound;
    if (compress2(data + sizeof name + 1, &zlen, img->icc, (uLong)img->icc_len,
                  Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(data);
        return -1;
    }
    png_chunk(b, "iCCP", data, sizeof name + 1 + zlen);
    free(data);
    return 0;
}

/* PLTE with exactly `colors` entries, and tRNS as Pillow writes info["transparency"]: a
 * single fully transparent entry among opaque ones is an index t (t + 1 bytes), otherwise
 * the alpha bytes themselves. */
static void png_palette(png_buf *b, const cdx_image *img) {
    const int colors = palette_colors(img);
    uint8_t plte[256 * 3] = {0};
    memcpy(plte, img->palette, (size_t)(img->palette_count < colors ? img->palette_count : colors) * 3);
    png_chunk(b, "PLTE", plte, (size_t)colors * 3);
    const int n = img->palette_alpha_count > 256 ? 256 : img->palette_alpha_count;
    if (n <= 0) return;
    int zeros = 0, zero_at = -1, simple = 1;
    for (int i = 0; i < n; i++) {
        if (img->palette_alpha[i] == 0) zeros++, zero_at = zero_at < 0 ? i : zero_at;
        else if (img->palette_alpha[i] != 255) simple = 0;
    }
    uint8_t trns[256];
    int len;
    if (simple && zeros == 1) {
        memset(trns, 255, sizeof trns);
        trns[zero_at] = 0;
        len = zero_at + 1;
    } else {
        memcpy(trns, img->palette_alpha, (size_t)n);
        len = n;
    }
    if (len > colors) len = colors;
    png_chunk(b, "tRNS", trns, (size_t)len);
}

static void png_colour_key(png_buf *b, const cdx_image *img) {
    uint8_t k[6];
    const int n = img->mode == CDX_MODE_RGB ? 3 : 1;
    for (int i = 0; i < n; i++) {
        k[2 * i] = (uint8_t)(img->transparent_key[i] >> 8);
        k[2 * i + 1] = (uint8_t)img->transparent_key[i];
    }
    png_chunk(b, "tRNS", k, (size_t)n * 2);
}

static int png_encode_image(const cdx_image *img, int level, png_buf *b) {
    static const uint8_t magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const png_layout l = layout_for(img);
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)img->width);
    put_be32(ihdr + 4, (uint32_t)img->height);
    ihdr[8] = (uint8_t)l.depth, ihdr[9] = (uint8_t)l.color_type;
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    buf_put(b, magic, 8);
    png_chunk(b, "IHDR", ihdr, 13);
    if (img->icc && img->icc_len > 0 && png_iccp(b, img) != 0) return -1;
    if (img->mode == CDX_MODE_P) png_palette(b, img);
    else if (img->has_transparent_key &&
             (img->mode == CDX_MODE_1 || img->mode == CDX_MODE_L || img->mode == CDX_MODE_I ||
              img->mode == CDX_MODE_RGB))
        png_colour_key(b, img);
    size_t raw_len = 0;
    uint8_t *raw = png_scanlines(img, &l, &raw_len);
    if (!raw) return -1;
    const size_t chunk_max = (size_t)img->width * 4 > 65536 ? (size_t)img->width * 4 : 65536;
    int rc = png_idat(b, raw, raw_len, level, img->mode == CDX_MODE_P ? Z_DEFAULT_STRATEGY : Z_FILTERED,
                      chunk_max);
    free(raw);
    if (rc != 0) return -1;
    png_chunk(b, "IEND", NULL, 0);
    return b->oom ? -1 : 0;
}

int cdx_png_encode(const cdx_image *img, int level, uint8_t **png, size_t *png_len,
                   cdx_error *err) {
    *png = NULL;
    *png_len = 0;
    if (!img || img->width < 1 || img->height < 1)
        return cdx_fail(err, CDX_EINVAL, "png encode: empty image");
    if (level < -1 || level > 9)
        return cdx_fail(err, CDX_EINVAL, "png encode: compression level %d not in -1..9", level);
    cdx_image *rgb = NULL;
    if (img->mode == CDX_MODE_CMYK) { /* clipdex's documented choice; Pillow refuses CMYK */
        rgb = img_convert_rgb(img);
        if (!rgb || img_copy_meta(rgb, img) != 0) {
            cdx_image_free(rgb);
            return cdx_fail(err, CDX_ENOMEM, "png encode: out of memory");
        }
        rgb->has_transparent_key = 0;
        img = rgb;
    }
    png_buf b = {0};
    int rc = png_encode_image(img, level, &b);
    cdx_image_free(rgb);
    if (rc != 0) {
        free(b.data);
        return cdx_fail(err, CDX_ENOMEM, "png encode: out of memory (%dx%d)", img->width,
                        img->height);
    }
    *png = b.data;
    *png_len = b.len;
    return CDX_OK;
}
