/*
 * png_load.h — test-only PNG reader (libpng) that builds a cdx_image in the mode Pillow 9.4
 * gives the file (1-bit grey -> 1, grey -> L, 16-bit grey -> I, LA, RGB, RGBA, palette -> P
 * with PLTE/tRNS), plus tRNS colour keys and the ICC profile. Independent of src/image's
 * decoders so encoder and thumbnail tests can use the fixtures' expected PNGs as references;
 * also the list of those fixtures and the check that cdx_png_encode gives Pillow's bytes.
 * Include <cmocka.h> (and its prerequisites) first.
 */
#ifndef CDX_TEST_PNG_LOAD_H
#define CDX_TEST_PNG_LOAD_H

#include "clipdex.h"
#include "image/image.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cdx_mode png_load_mode(int ct, int depth) {
    switch (ct) {
    case PNG_COLOR_TYPE_GRAY: return depth == 1 ? CDX_MODE_1 : depth == 16 ? CDX_MODE_I : CDX_MODE_L;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return CDX_MODE_LA;
    case PNG_COLOR_TYPE_PALETTE: return CDX_MODE_P;
    case PNG_COLOR_TYPE_RGB: return CDX_MODE_RGB;
    default: return CDX_MODE_RGBA;
    }
}

static void png_load_meta(png_structp png, png_infop info, cdx_image *img) {
    png_colorp pal;
    int npal = 0;
    if (png_get_PLTE(png, info, &pal, &npal)) {
        img->palette_count = npal;
        for (int i = 0; i < npal; i++) {
            img->palette[3 * i] = pal[i].red;
            img->palette[3 * i + 1] = pal[i].green;
            img->palette[3 * i + 2] = pal[i].blue;
        }
    }
    png_bytep trans = NULL;
    int ntrans = 0;
    png_color_16p key = NULL;
    if (png_get_tRNS(png, info, &trans, &ntrans, &key)) {
        if (img->mode == CDX_MODE_P) {
            memcpy(img->palette_alpha, trans, (size_t)ntrans);
            img->palette_alpha_count = ntrans;
        } else if (key) {
            img->has_transparent_key = 1;
            if (img->mode == CDX_MODE_RGB) {
                img->transparent_key[0] = key->red;
                img->transparent_key[1] = key->green;
                img->transparent_key[2] = key->blue;
            } else {
                img->transparent_key[0] = key->gray;
            }
        }
    }
    png_charp name;
    int comp;
    png_bytep prof;
    png_uint_32 plen;
    if (png_get_iCCP(png, info, &name, &comp, &prof, &plen) && plen > 0) {
        img->icc = malloc(plen);
        memcpy(img->icc, prof, plen);
        img->icc_len = plen;
    }
}

static cdx_image *png_load_stream(FILE *f) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    cdx_image *volatile img = NULL;
    uint8_t *volatile row = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        cdx_image_free(img);
        free(row);
        return NULL;
    }
    png_init_io(png, f);
    png_read_info(png, info);
    const int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
    const int ct = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    const cdx_mode mode = png_load_mode(ct, depth);
    if (depth < 8) png_set_packing(png);
    png_read_update_info(png, info);
    img = img_new(w, h, mode);
    row = malloc(png_get_rowbytes(png, info));
    if (!img || !row) longjmp(png_jmpbuf(png), 1);
    for (int y = 0; y < h; y++) {
        png_read_row(png, row, NULL);
        uint8_t *dst = img->pixels + (size_t)y * img->stride;
        if (mode == CDX_MODE_I) {
            for (int x = 0; x < w; x++) {
                int32_t v = row[2 * x] << 8 | row[2 * x + 1];
                memcpy(dst + 4 * x, &v, 4);
            }
        } else if (mode == CDX_MODE_1) {
            for (int x = 0; x < w; x++) dst[x] = row[x] ? 255 : 0;
        } else {
            memcpy(dst, row, (size_t)w * (size_t)img_mode_bytes(mode));
        }
    }
    png_load_meta(png, info, img);
    png_destroy_read_struct(&png, &info, NULL);
    free(row);
    return img;
}

/* Loads PNG bytes; NULL on any error. Caller frees with cdx_image_free. */
static cdx_image *png_load_mem(const uint8_t *data, size_t len) {
    FILE *f = fmemopen((void *)data, len, "rb");
    if (!f) return NULL;
    cdx_image *img = png_load_stream(f);
    fclose(f);
    return img;
}

/* Pixel rows of an image without stride padding, for comparisons. */
static int png_load_same_pixels(const cdx_image *a, const cdx_image *b) {
    if (a->width != b->width || a->height != b->height || a->mode != b->mode) return 0;
    const size_t row = (size_t)a->width * (size_t)img_mode_bytes(a->mode);
    for (int y = 0; y < a->height; y++)
        if (memcmp(a->pixels + (size_t)y * a->stride, b->pixels + (size_t)y * b->stride, row) != 0)
            return 0;
    return 1;
}

/* The fixture images (under images/) whose Pillow thumbnail is images/expected/<name>.thumb.png. */
static const char *const png_load_fixtures[] = {
    "bmp_rgb_333x222.bmp",          "gif_palette_300x200.gif",
    "jpeg_exif_orient6_800x600.jpg", "jpeg_progressive_1024x768.jpg",
    "large_4000x3000.jpg",          "png16_gray_320x240.png",
    "png16_rgb_330x250.png",        "png_gray_600x1000.png",
    "png_palette_400x300.png",      "png_rgb_1024x768.png",
    "png_rgba_alpha_500x400.png",   "tall_10x3000.png",
    "tiny_1x1.png",                 "webp_lossless_alpha_256x256.webp",
    "webp_lossy_1500x1000.webp",    "wide_4000x10.png",
};
#define PNG_LOAD_FIXTURE_COUNT (sizeof png_load_fixtures / sizeof png_load_fixtures[0])

/* Fails the test unless cdx_png_encode of `img` at the default level gives exactly Pillow's PNG
 * bytes `want` (want_len bytes); `name` labels the failure. */
static void png_load_expect_encoded(const char *name, const cdx_image *img, const uint8_t *want,
                                    size_t want_len) {
    uint8_t *got;
    size_t got_len;
    cdx_error err = {0};
    assert_int_equal(cdx_png_encode(img, -1, &got, &got_len, &err), CDX_OK);
    if (got_len != want_len || memcmp(got, want, want_len) != 0)
        fail_msg("%s: PNG bytes differ from Pillow's (%zu vs %zu)", name, got_len, want_len);
    free(got);
}

#endif
