/*
 * reduce.c — Pillow 9.4's Image.reduce() box averaging (libImaging/Reduce.c). Every 8-bit
 * variant there (1x2 .. NxN and the partial last row/column) computes
 * ((sum + n/2) * mult) >> 24 with mult = (uint32)((float)2^32 / (float)(256 n)), so one general
 * loop reproduces them all; mode I uses doubles: ROUND_UP(sum * (1.0 / n)).
 * The fast path sums each block row's source rows into 16-bit column sums (one vectorised
 * pass over the bytes), then adds fx columns per block with fx and the channel count fixed.
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

/* The plain version: one output row of an 8-bit reduce sums whole source rows into per-block
 * accumulators, then scales each block by its own pixel count. Used when a block column is too
 * tall for 16-bit sums, and as the twin the fast path is tested against. */
static void reduce_row_generic(const cdx_image *src, const int ch, const int box[4], int fx,
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

#if defined(__GNUC__)
#define REDUCE_INLINE inline __attribute__((always_inline))
#else
#define REDUCE_INLINE inline
#endif

/* Column sums of rows y0..y1-1 over the box's bytes into 16-bit lanes (the caller keeps
 * (y1 - y0) * 255 below 65536); contiguous, so it vectorises. */
static void reduce_column_sums(const cdx_image *src, const int box[4], int ch, int y0, int y1,
                               uint16_t *restrict vs) {
    const size_t n = (size_t)(box[2] - box[0]) * (size_t)ch;
    const uint8_t *restrict row = src->pixels + (size_t)y0 * src->stride + (size_t)box[0] * ch;
    for (size_t i = 0; i < n; i++) vs[i] = row[i];
    for (int y = y0 + 1; y < y1; y++) {
        row += src->stride;
        for (size_t i = 0; i < n; i++) vs[i] = (uint16_t)(vs[i] + row[i]);
    }
}

/* Scales `count` whole blocks of `fx` columns from the column sums: Pillow's
 * ((sum + n/2) * mult) >> 24 with one n for all of them; fx and ch are constants after
 * inlining, so the channel and tap loops unroll. */
static REDUCE_INLINE void reduce_blocks(const uint16_t *restrict vs, int count, const int fx,
                                        const int ch, uint32_t half, uint32_t mult,
                                        uint8_t *restrict dst) {
    for (int ox = 0; ox < count; ox++, vs += fx * ch, dst += ch) {
        uint32_t sum[4] = {0, 0, 0, 0};
        for (int i = 0; i < fx; i++)
            for (int b = 0; b < ch; b++) sum[b] += vs[i * ch + b];
        for (int b = 0; b < ch; b++) dst[b] = (uint8_t)(((sum[b] + half) * mult) >> 24);
    }
}

static REDUCE_INLINE void reduce_blocks_ch(const uint16_t *vs, int count, int fx, const int ch,
                                           uint32_t half, uint32_t mult, uint8_t *dst) {
    switch (fx) {
    case 1: reduce_blocks(vs, count, 1, ch, half, mult, dst); break;
    case 2: reduce_blocks(vs, count, 2, ch, half, mult, dst); break;
    case 3: reduce_blocks(vs, count, 3, ch, half, mult, dst); break;
    case 4: reduce_blocks(vs, count, 4, ch, half, mult, dst); break;
    default: reduce_blocks(vs, count, fx, ch, half, mult, dst); break;
    }
}

/* One output row from its column sums: the whole blocks, then the partial last block. */
static void reduce_row_fast(const uint16_t *vs, int bw, int fx, int rows, int ch, uint8_t *dst) {
    const int whole = bw / fx, rest = bw - whole * fx;
    const int n = fx * rows;
    const uint32_t half = (uint32_t)(n / 2), mult = reduce_multiplier(n);
    switch (ch) {
    case 1: reduce_blocks_ch(vs, whole, fx, 1, half, mult, dst); break;
    case 2: reduce_blocks_ch(vs, whole, fx, 2, half, mult, dst); break;
    case 3: reduce_blocks_ch(vs, whole, fx, 3, half, mult, dst); break;
    default: reduce_blocks_ch(vs, whole, fx, 4, half, mult, dst); break;
    }
    if (rest > 0) {
        const int np = rest * rows;
        reduce_blocks(vs + (size_t)whole * fx * ch, 1, rest, ch, (uint32_t)(np / 2),
                      reduce_multiplier(np), dst + (size_t)whole * ch);
    }
}

/* All output rows; `fast` picks the column-sum path (needs fy * 255 < 65536). */
static void reduce_rows_u8(const cdx_image *src, const int box[4], int fx, int fy, int fast,
                           void *scratch, cdx_image *out) {
    const int ch = img_mode_bytes(src->mode);
    for (int y = 0; y < out->height; y++) {
        const int y0 = box[1] + y * fy;
        const int y1 = y0 + fy < box[3] ? y0 + fy : box[3];
        uint8_t *dst = out->pixels + (size_t)y * out->stride;
        if (fast) {
            reduce_column_sums(src, box, ch, y0, y1, scratch);
            reduce_row_fast(scratch, box[2] - box[0], fx, y1 - y0, ch, dst);
        } else {
            reduce_row_generic(src, ch, box, fx, y0, y1, scratch, dst, out->width);
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

cdx_image *img_reduce_with(const cdx_image *src, int fx, int fy, const int box[4], int flags) {
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
        const int fast = fy <= 257 && !(flags & IMG_REDUCE_GENERIC);
        const size_t per = fast ? (size_t)bw * sizeof(uint16_t) : (size_t)ow * sizeof(uint32_t);
        /* Zeroed: the column sums cover every lane the block loops read (bw * ch), which the
         * static analyzer cannot follow through the size_t product. */
        void *scratch = calloc(4, per);
        if (!scratch) {
            cdx_image_free(out);
            return NULL;
        }
        reduce_rows_u8(src, box, fx, fy, fast, scratch, out);
        free(scratch);
    }
    if (img_copy_meta(out, src) != 0) {
        cdx_image_free(out);
        return NULL;
    }
    return out;
}

cdx_image *img_reduce(const cdx_image *src, int fx, int fy, const int box[4]) {
    return img_reduce_with(src, fx, fy, box, 0);
}
