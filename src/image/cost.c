/*
 * cost.c — sizes and prices: Pillow's thumbnail() size rule (Image.thumbnail's
 * preserve_aspect_ratio, in IEEE double, ties to the floor candidate) and Jina's image token
 * bill (1,000 tokens per started 224x224 tile).
 */
#include "clipdex.h"

#include <math.h>

#define JINA_TILE 224
#define JINA_TOKENS_PER_TILE 1000

int64_t cdx_jina_image_tokens(int width, int height) {
    if (width <= 0 || height <= 0) return 0;
    /* ceil without overflow: at most ~9.6e6 tiles per side, so the product fits in int64. */
    const int64_t tx = (int64_t)(width / JINA_TILE) + (width % JINA_TILE != 0);
    const int64_t ty = (int64_t)(height / JINA_TILE) + (height % JINA_TILE != 0);
    return tx * ty * JINA_TOKENS_PER_TILE;
}

/* round_aspect(number, key): the floor or ceil candidate with the smaller key (floor on ties),
 * at least 1. */
static int thumb_pick(double number, double key_floor, double key_ceil) {
    const double f = floor(number), c = ceil(number);
    const double v = key_floor <= key_ceil ? f : c;
    return v < 1 ? 1 : (int)v;
}

void cdx_thumbnail_size(int width, int height, int size, int *thumb_w, int *thumb_h) {
    int x = size, y = size;
    if (width <= 0 || height <= 0 || size <= 0) {
        *thumb_w = *thumb_h = 0;
        return;
    }
    if (x >= width && y >= height) {
        *thumb_w = width;
        *thumb_h = height;
        return;
    }
    const double aspect = (double)width / height;
    if ((double)x / y >= aspect) {
        const double n = y * aspect, f = floor(n), c = ceil(n);
        x = thumb_pick(n, fabs(aspect - f / y), fabs(aspect - c / y));
    } else {
        const double n = x / aspect, f = floor(n), c = ceil(n);
        y = thumb_pick(n, f == 0 ? 0 : fabs(aspect - x / f), c == 0 ? 0 : fabs(aspect - x / c));
    }
    *thumb_w = x;
    *thumb_h = y;
}
