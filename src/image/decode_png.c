/*
 * decode_png.c — PNG through libpng, with Pillow 9.4's mode decisions (PngImagePlugin._MODES):
 * 1-bit grey → "1", 2/4-bit grey → "L" (scaled ×0x55/×0x11), 8-bit grey → "L", 16-bit grey → "I",
 * 16-bit RGB/RGBA → high byte only, 16-bit grey+alpha → "RGBA", palette → "P" (+ tRNS alpha),
 * tRNS colour keys → transparent_key, iCCP → icc. libpng's longjmp stays inside png_run(), whose
 * state lives in a caller-owned struct, so nothing is leaked or left indeterminate.
 */
#include "image/decode.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

typedef struct png_ctx {
    const uint8_t *data;
    size_t len, pos;
    const char *name;
    int truncated;
    char message[200];
    png_structp png;
    png_infop info;
    cdx_image *img;
    uint8_t *raw;            /* undecoded rows for depths other than 8 */
    png_bytep *rows;
} png_ctx;

static void png_on_error(png_structp png, png_const_charp msg) {
    png_ctx *c = png_get_error_ptr(png);
    snprintf(c->message, sizeof c->message, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void png_read_mem(png_structp png, png_bytep out, size_t n) {
    png_ctx *c = png_get_io_ptr(png);
    if (n > c->len - c->pos) {
        c->truncated = 1;
        png_error(png, "file ends early");
    }
    memcpy(out, c->data + c->pos, n);
    c->pos += n;
}

static cdx_mode png_mode(int depth, int type) {
    switch (type) {
    case PNG_COLOR_TYPE_GRAY: return depth == 1 ? CDX_MODE_1 : depth == 16 ? CDX_MODE_I : CDX_MODE_L;
    case PNG_COLOR_TYPE_PALETTE: return CDX_MODE_P;
    case PNG_COLOR_TYPE_RGB: return CDX_MODE_RGB;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return depth == 16 ? CDX_MODE_RGBA : CDX_MODE_LA;
    default: return CDX_MODE_RGBA;
    }
}

/* Converts one raw row (depth != 8) to the image's mode, as Pillow's unpackers do. */
static void png_convert_row(const uint8_t *in, uint8_t *out, int w, int depth, int type) {
    if (depth < 8) { /* grey 1/2/4 or palette 1/2/4 */
        int per = 8 / depth, mask = (1 << depth) - 1;
        int scale = type == PNG_COLOR_TYPE_PALETTE ? 1 : depth == 1 ? 255 : depth == 2 ? 0x55 : 0x11;
        for (int x = 0; x < w; x++) {
            int shift = 8 - depth * (x % per + 1);
            out[x] = (uint8_t)(((in[x / per] >> shift) & mask) * scale);
        }
        return;
    }
    if (type == PNG_COLOR_TYPE_GRAY) { /* 16-bit → "I" (I;16B) */
        for (int x = 0; x < w; x++) {
            int32_t v = (int32_t)img_be16(in + 2 * x);
            memcpy(out + 4 * (size_t)x, &v, 4);
        }
    } else if (type == PNG_COLOR_TYPE_GRAY_ALPHA) { /* LA;16B → RGBA */
        for (int x = 0; x < w; x++) {
            uint8_t l = in[4 * x], a = in[4 * x + 2];
            uint8_t *o = out + 4 * (size_t)x;
            o[0] = o[1] = o[2] = l;
            o[3] = a;
        }
    } else { /* RGB;16B / RGBA;16B: high bytes */
        size_t n = (size_t)w * (type == PNG_COLOR_TYPE_RGB ? 3 : 4);
        for (size_t i = 0; i < n; i++) out[i] = in[2 * i];
    }
}

static void png_take_palette(png_ctx *c, cdx_image *img) {
    png_colorp pal;
    int n;
    if (png_get_PLTE(c->png, c->info, &pal, &n) && n > 0) {
        if (n > 256) n = 256;
        for (int i = 0; i < n; i++) {
            img->palette[3 * i] = pal[i].red;
            img->palette[3 * i + 1] = pal[i].green;
            img->palette[3 * i + 2] = pal[i].blue;
        }
        img->palette_count = n;
    }
}

/* tRNS as Pillow keeps it: palette alpha bytes (a single fully transparent entry becomes the
 * index, which Pillow writes back as 0xFF * i + 0x00), or a colour key for 1/L/I/RGB. */
static void png_take_trns(png_ctx *c, cdx_image *img, int type) {
    png_bytep alpha;
    int n;
    png_color_16p key;
    if (!png_get_tRNS(c->png, c->info, &alpha, &n, &key)) return;
    if (type == PNG_COLOR_TYPE_PALETTE) {
        if (!alpha || n <= 0) return;
        if (n > 256) n = 256;
        int zeros = 0, first_zero = -1, others = 0;
        for (int i = 0; i < n; i++) {
            if (alpha[i] == 0) { zeros++; if (first_zero < 0) first_zero = i; }
            else if (alpha[i] != 0xFF) others++;
        }
        if (zeros == 1 && others == 0) { /* _simple_palette */
            memset(img->palette_alpha, 0xFF, sizeof img->palette_alpha);
            img->palette_alpha[first_zero] = 0;
            img->palette_alpha_count = first_zero + 1;
        } else { /* anything else (all opaque too): Pillow keeps the bytes */
            memcpy(img->palette_alpha, alpha, (size_t)n);
            img->palette_alpha_count = n;
        }
    } else if (key && (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_RGB)) {
        img->has_transparent_key = 1;
        if (type == PNG_COLOR_TYPE_GRAY) {
            img->transparent_key[0] = key->gray;
        } else {
            img->transparent_key[0] = key->red;
            img->transparent_key[1] = key->green;
            img->transparent_key[2] = key->blue;
        }
    }
}

static int png_take_icc(png_ctx *c, cdx_image *img) {
    png_charp pname;
    int comp;
    png_bytep prof;
    png_uint_32 plen;
    if (!png_get_iCCP(c->png, c->info, &pname, &comp, &prof, &plen) || plen == 0) return CDX_OK;
    img->icc = malloc(plen);
    if (!img->icc) return CDX_ENOMEM;
    memcpy(img->icc, prof, plen);
    img->icc_len = plen;
    return CDX_OK;
}

/* Everything that may longjmp. Returns 0 on success, 1 after a libpng error, 2 on OOM. */
static int png_run(png_ctx *c) {
    if (setjmp(png_jmpbuf(c->png))) return 1;
    png_set_read_fn(c->png, c, png_read_mem);
    png_set_user_limits(c->png, 0x7FFFFFFF, 0x7FFFFFFF);
    png_read_info(c->png, c->info);
    png_uint_32 w, h;
    int depth, type, interlace;
    png_get_IHDR(c->png, c->info, &w, &h, &depth, &type, &interlace, NULL, NULL);
    c->img = img_new((int)w, (int)h, png_mode(depth, type));
    if (!c->img) return 2;
    png_take_palette(c, c->img);
    png_take_trns(c, c->img, type);
    if (png_take_icc(c, c->img) != CDX_OK) return 2;
    /* Pillow checks the CRCs of the chunks before the image data but not those of IDAT
     * (PngImageFile.load_read skips them), so neither do we: same acceptance, one pass fewer
     * over the compressed bytes. zlib's Adler-32 is still checked, as in Pillow. */
    png_set_crc_action(c->png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(c->png);
    png_read_update_info(c->png, c->info);
    size_t rowbytes = png_get_rowbytes(c->png, c->info);
    c->rows = malloc((size_t)h * sizeof *c->rows);
    if (!c->rows) return 2;
    if (depth == 8) { /* raw layout is already Pillow's */
        for (png_uint_32 y = 0; y < h; y++) c->rows[y] = c->img->pixels + (size_t)y * c->img->stride;
    } else {
        if (rowbytes == 0 || (size_t)h > SIZE_MAX / rowbytes) return 2;
        c->raw = malloc(rowbytes * (size_t)h);
        if (!c->raw) return 2;
        for (png_uint_32 y = 0; y < h; y++) c->rows[y] = c->raw + (size_t)y * rowbytes;
    }
    png_read_image(c->png, c->rows);
    if (depth != 8)
        for (png_uint_32 y = 0; y < h; y++)
            png_convert_row(c->rows[y], c->img->pixels + (size_t)y * c->img->stride, (int)w,
                            depth, type);
    return 0;
}

int img_decode_png(const uint8_t *data, size_t len, const char *name, cdx_image **out,
                   cdx_error *err) {
    png_ctx c = {.data = data, .len = len, .name = name};
    c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, png_on_error, png_on_warning);
    if (c.png) c.info = png_create_info_struct(c.png);
    int rc = CDX_OK;
    if (!c.png || !c.info) {
        rc = cdx_fail(err, CDX_ENOMEM, "%s: cannot start the PNG decoder", name);
    } else {
        int r = png_run(&c);
        if (r == 1)
            rc = c.truncated ? cdx_fail(err, CDX_ETRUNCATED, "%s: truncated PNG (file ends early)", name)
                             : cdx_fail(err, CDX_ECORRUPT, "%s: corrupt PNG (%s)", name, c.message);
        else if (r == 2)
            rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory decoding PNG", name);
    }
    png_destroy_read_struct(c.png ? &c.png : NULL, c.info ? &c.info : NULL, NULL);
    free(c.rows);
    free(c.raw);
    if (rc != CDX_OK) {
        cdx_image_free(c.img);
        return rc;
    }
    *out = c.img;
    return CDX_OK;
}
