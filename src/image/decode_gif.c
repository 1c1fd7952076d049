/*
 * decode_gif.c — the first frame of a GIF through giflib, placed on the canvas as Pillow 9.4's
 * GifImagePlugin does for frame 0: the canvas grows to hold the frame, starts filled with the
 * transparent index (else 0), mode "P" with the local (else global) palette, or "L" when that
 * palette is absent or is the identity greyscale (i, i, i). The transparent index becomes
 * palette alpha (P) or a colour key (L), as Pillow's info["transparency"].
 */
#include "image/decode.h"

#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

typedef struct gif_src {
    const uint8_t *data;
    size_t len, pos;
    int truncated;
} gif_src;

static int gif_read(GifFileType *gif, GifByteType *out, int n) {
    gif_src *s = gif->UserData;
    size_t want = n < 0 ? 0 : (size_t)n;
    size_t left = s->len - s->pos;
    if (want > left) {
        s->truncated = 1;
        want = left;
    }
    memcpy(out, s->data + s->pos, want);
    s->pos += want;
    return (int)want;
}

/* Pillow's _is_palette_needed: false when every entry i is (i, i, i). */
static int gif_palette_needed(const ColorMapObject *map) {
    for (int i = 0; i < map->ColorCount; i++) {
        const GifColorType *c = &map->Colors[i];
        if (!(c->Red == i && c->Green == i && c->Blue == i)) return 1;
    }
    return 0;
}

typedef struct gif_frame {
    int transparency; /* -1: none */
    int left, top, width, height, interlace;
    const ColorMapObject *palette; /* NULL: mode L */
} gif_frame;

/* Walks records up to the first image descriptor, remembering the graphic control block. */
static int gif_find_frame(GifFileType *gif, gif_frame *f) {
    f->transparency = -1;
    for (;;) {
        GifRecordType rt;
        if (DGifGetRecordType(gif, &rt) == GIF_ERROR) return GIF_ERROR;
        if (rt == TERMINATE_RECORD_TYPE) return GIF_ERROR;
        if (rt == EXTENSION_RECORD_TYPE) {
            int code;
            GifByteType *ext;
            if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) return GIF_ERROR;
            if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4 && (ext[1] & 1))
                f->transparency = ext[4];
            while (ext) {
                if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) return GIF_ERROR;
            }
        } else if (rt == IMAGE_DESC_RECORD_TYPE) {
            if (DGifGetImageDesc(gif) == GIF_ERROR) return GIF_ERROR;
            f->left = gif->Image.Left;
            f->top = gif->Image.Top;
            f->width = gif->Image.Width;
            f->height = gif->Image.Height;
            f->interlace = gif->Image.Interlace;
            const ColorMapObject *local = gif->Image.ColorMap, *global = gif->SColorMap;
            if (local) f->palette = gif_palette_needed(local) ? local : NULL;
            else f->palette = global && gif_palette_needed(global) ? global : NULL;
            return GIF_OK;
        }
    }
}

/* Reads the frame's rows into the canvas, undoing GIF interlacing. */
static int gif_read_rows(GifFileType *gif, const gif_frame *f, cdx_image *img, uint8_t *line) {
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    int passes = f->interlace ? 4 : 1;
    for (int p = 0; p < passes; p++) {
        int y0 = f->interlace ? start[p] : 0, dy = f->interlace ? step[p] : 1;
        for (int y = y0; y < f->height; y += dy) {
            if (DGifGetLine(gif, line, f->width) == GIF_ERROR) return GIF_ERROR;
            memcpy(img->pixels + (size_t)(f->top + y) * img->stride + (size_t)f->left, line,
                   (size_t)f->width);
        }
    }
    return GIF_OK;
}

static int gif_fail(const gif_src *src, int code, const char *name, cdx_error *err) {
    if (src->truncated) return cdx_fail(err, CDX_ETRUNCATED, "%s: truncated GIF (file ends early)", name);
    const char *msg = GifErrorString(code);
    return cdx_fail(err, CDX_ECORRUPT, "%s: corrupt GIF (%s)", name, msg ? msg : "giflib error");
}

int img_decode_gif(const uint8_t *data, size_t len, const char *name, cdx_image **out,
                   cdx_error *err) {
    gif_src src = {data, len, 0, 0};
    int gerr = 0, rc = CDX_OK;
    GifFileType *gif = DGifOpen(&src, gif_read, &gerr);
    if (!gif) return gif_fail(&src, gerr, name, err);
    cdx_image *img = NULL;
    uint8_t *line = NULL;
    gif_frame f = {0};
    if (gif_find_frame(gif, &f) == GIF_ERROR) {
        rc = gif_fail(&src, gif->Error, name, err);
        goto done;
    }
    int w = gif->SWidth > f.left + f.width ? gif->SWidth : f.left + f.width;
    int h = gif->SHeight > f.top + f.height ? gif->SHeight : f.top + f.height;
    img_header hdr; /* the pixel limit was checked on this size: giflib must agree */
    if (img_header_gif(data, len, name, &hdr, err) != CDX_OK || hdr.width != w || hdr.height != h) {
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: corrupt GIF (first frame not where expected)", name);
        goto done;
    }
    img = img_new(w, h, f.palette ? CDX_MODE_P : CDX_MODE_L);
    line = malloc(f.width > 0 ? (size_t)f.width : 1);
    if (!img || !line) {
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory decoding GIF", name);
        goto done;
    }
    if (f.transparency >= 0) memset(img->pixels, f.transparency, img->stride * (size_t)h);
    if (f.width > 0 && f.height > 0 && gif_read_rows(gif, &f, img, line) == GIF_ERROR) {
        rc = gif_fail(&src, gif->Error, name, err);
        goto done;
    }
    if (f.palette) {
        int n = f.palette->ColorCount > 256 ? 256 : f.palette->ColorCount;
        for (int i = 0; i < n; i++) {
            img->palette[3 * i] = f.palette->Colors[i].Red;
            img->palette[3 * i + 1] = f.palette->Colors[i].Green;
            img->palette[3 * i + 2] = f.palette->Colors[i].Blue;
        }
        img->palette_count = n;
        if (f.transparency >= 0) { /* Pillow writes int transparency as 0xFF * t + 0x00 */
            memset(img->palette_alpha, 0xFF, sizeof img->palette_alpha);
            img->palette_alpha[f.transparency] = 0;
            img->palette_alpha_count = f.transparency + 1;
        }
    } else if (f.transparency >= 0) {
        img->has_transparent_key = 1;
        img->transparent_key[0] = (uint16_t)f.transparency;
    }
done:
    free(line);
    DGifCloseFile(gif, &gerr);
    if (rc != CDX_OK) {
        cdx_image_free(img);
        return rc;
    }
    *out = img;
    return CDX_OK;
}
