/*
 * cdx_decode_dump.c — test tool: decodes one image the way the library does and writes the raw
 * pixels (rows packed, I as little-endian int32) to OUT, printing "MODE W H PALETTE_COUNT" on
 * stdout. For P images the palette (RGB triples) follows the pixels in OUT. The Pillow
 * comparison script (tests/image/test_decode_vs_pillow.py) drives it.
 * Usage: cdx_decode_dump [--scale N] [--no-exif] [--rgb] IN OUT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/decode.h"

/* Transparency as Pillow's info["transparency"] would print it: an index, alpha bytes in hex,
 * a key (k or r,g,b), or "-". */
static void print_transparency(const cdx_image *img) {
    if (img->mode == CDX_MODE_P && img->palette_alpha_count > 0) {
        int zeros = 0, others = 0, t = -1;
        for (int i = 0; i < img->palette_alpha_count; i++) {
            if (img->palette_alpha[i] == 0) { zeros++; t = i; }
            else if (img->palette_alpha[i] != 0xFF) others++;
        }
        if (zeros == 1 && others == 0) {
            printf("%d", t);
        } else {
            for (int i = 0; i < img->palette_alpha_count; i++) printf("%02x", img->palette_alpha[i]);
        }
    } else if (img->has_transparent_key) {
        if (img->mode == CDX_MODE_RGB)
            printf("%u,%u,%u", img->transparent_key[0], img->transparent_key[1], img->transparent_key[2]);
        else
            printf("%u", img->transparent_key[0]);
    } else {
        printf("-");
    }
}

int main(int argc, char **argv) {
    int scale = 1, no_exif = 0, rgb = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (!strcmp(argv[i], "--scale") && i + 1 < argc) scale = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-exif")) no_exif = 1;
        else if (!strcmp(argv[i], "--rgb")) rgb = 1;
        else break;
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: cdx_decode_dump [--scale N] [--no-exif] [--rgb] IN OUT\n");
        return 2;
    }
    cdx_error err = {0};
    uint8_t *data;
    size_t len;
    cdx_image *img = NULL;
    if (img_read_file(argv[i], &data, &len, &err) != CDX_OK ||
        img_decode(data, len, argv[i], scale, 0, &img, &err) != CDX_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    int orientation = no_exif ? 1 : img_exif_orientation(data, len, img_sniff(data, len));
    free(data);
    if (orientation >= 2) {
        cdx_image *t = img_apply_orientation(img, orientation);
        cdx_image_free(img);
        img = t;
    }
    if (img && rgb) {
        cdx_image *t = img_convert_rgb(img);
        cdx_image_free(img);
        img = t;
    }
    if (!img) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    FILE *f = fopen(argv[i + 1], "wb");
    if (!f) {
        perror(argv[i + 1]);
        return 1;
    }
    size_t row = (size_t)img->width * (size_t)img_mode_bytes(img->mode);
    for (int y = 0; y < img->height; y++) fwrite(img->pixels + (size_t)y * img->stride, 1, row, f);
    if (img->mode == CDX_MODE_P) fwrite(img->palette, 3, (size_t)img->palette_count, f);
    fclose(f);
    printf("%s %d %d %d icc=%zu trns=", cdx_mode_name(img->mode), img->width, img->height,
           img->mode == CDX_MODE_P ? img->palette_count : 0, img->icc_len);
    print_transparency(img);
    printf("\n");
    cdx_image_free(img);
    return 0;
}
