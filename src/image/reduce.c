/*
 * reduce.c — Pillow 9.4's Image.reduce() box averaging (libImaging/Reduce.c). Every 8-bit
 * variant there (1x2 .. NxN and the partial last row/column) computes
 * ((sum + n/2) * mult) >> 24 with mult = (uint32)((float)2^32 / (float)(256 n)), so one general
 * loop reproduces them all; mode I uses doubles: ROUND_UP(sum * (1.0 / n)).
 */
#include "image/resample.h"

#include <stdlib.h>
#include <string.h>

/* Pillow's division_UINT32(n, 8): the float32 division matters (it rounds). */
static uint32_t reduce_multiplier(int n) {
    float max_int = (float)(1 << 30) * 4.0f;
    uint32_t max_dividend = (uint32_t)256 * (uint32_t)n;
    return (uint32_t)(max_int / (float)max_dividend);
}

/* One output row of an 8-bit reduce: sums whole source rows into per-block accumulators, then
 * scales each block by its own pixel count (partial blocks at the right/bottom edge). */
static inline void reduce_row_u8(const cdx_image *src, const int ch, const int box[4], int fx,
                                 int y0, int y1, uint32_t *acc, uint8_t *dst, int ow) {
    memset(acc, 0, (size_t)ow * (size_t)ch * sizeof *acc);
    for (int y = y0; y < y1; y++) {
        const uint8_t *row = src->pixels + (size_t)y * src->stride + (size_t)box[0] * ch;
        for (int ox = 0; ox < ow; ox++) {
            const int x0 = box[0] + ox * fx;
            const int w = x0 + fx < box[2] ? fx : box[2] - x0;
            uint32_t *a = acc + (size_t)ox * ch;
            for (int i = 0; i < w; i++, row += ch)
                for (int b = 0; b < ch; b++) a[b] += row[b];
        }
    }
    uint32_t mult = 0;
    int last_n = -1;
    for (int ox = 0; ox < ow; ox++) {
        const int x0 = box[0] + ox * fx;
        const int n = (x0 + fx < box[2] ? fx : box[2] - x0) * (y1 - y0);
        if (n != last_n) {
            mult = reduce_multiplier(n);
            last_n = n;
        }
        for (int b = 0; b < ch; b++)
            dst[ox * ch + b] =
                (uint8_t)(((acc[ox * ch + b] + (uint32_t)(n / 2)) * mult) >> 24);
    }
}

static void reduce_rows_u8(const cdx_image *src, const int box[4], int fx, int fy,
                           uint32_t *acc, cdx_image *out) {
    const int ch = img_mode_bytes(src->mode);
    for (int y = 0; y < out->height; y++) {
        const int y0 = box[1] + y * fy;
        const int y1 = y0 + fy < box[3] ? y0 + fy : box[3];
        uint8_t *dst = out->pixels + (size_t)y * out->stride;
        switch (ch) {
        case 1: reduce_row_u8(src, 1, box, fx, y0, y1, acc, dst, out->width); break;
        case 2: reduce_row_u8(src, 2, box, fx, y0, y1, acc, dst, out->width); break;
        case 3: reduce_row_u8(src, 3, box, fx, y0, y1, acc, dst, out->width); break;
        default: reduce_row_u8(src, 4, box, fx, y0, y1, acc, dst, out->width); break;
        }
    }
}

static void reduce_block_i32(const cdx_image *src, int x0, int x1, int y0, int y1, uint8_t *out) {
    const double mult = 1.0 / ((x1 - x0) * (y1 - y0));
    double ss = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            int32_t v;
            memcpy(&v, src->pixels + (size_t)y * src->stride + (size_t)x * 4, 4);
            ss += v;
        }
    double r = ss * mult;
    r = r >= 0.0 ? r + 0.5 : r - 0.5;
    int32_t v = r >= 2147483647.0 ? INT32_MAX : r <= -2147483648.0 ? INT32_MIN : (int32_t)r;
    memcpy(out, &v, 4);
}

cdx_image *img_reduce(const cdx_image *src, int fx, int fy, const int box[4]) {
    const int bw = box[2] - box[0], bh = box[3] - box[1];
    if (fx < 1 || fy < 1 || bw < 1 || bh < 1 || box[0] < 0 || box[1] < 0 ||
        box[2] > src->width || box[3] > src->height)
        return NULL;
    const int ow = (bw + fx - 1) / fx, oh = (bh + fy - 1) / fy;
    cdx_image *out = img_new(ow, oh, src->mode);
    if (!out) return NULL;
    if (src->mode == CDX_MODE_I) {
        for (int y = 0; y < oh; y++) {
            const int y0 = box[1] + y * fy;
            const int y1 = y0 + fy < box[3] ? y0 + fy : box[3];
            uint8_t *dst = out->pixels + (size_t)y * out->stride;
            for (int x = 0; x < ow; x++) {
                const int x0 = box[0] + x * fx;
                const int x1 = x0 + fx < box[2] ? x0 + fx : box[2];
                reduce_block_i32(src, x0, x1, y0, y1, dst + (size_t)x * 4);
            }
        }
    } else {
        uint32_t *acc = malloc((size_t)ow * 4 * sizeof *acc);
        if (!acc) {
            cdx_image_free(out);
            return NULL;
        }
        reduce_rows_u8(src, box, fx, fy, acc, out);
        free(acc);
    }
    if (img_copy_meta(out, src) != 0) {
        cdx_image_free(out);
        return NULL;
    }
    return out;
}
